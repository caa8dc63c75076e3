// The move looks at its stream from the start of the copy to the end of the cutover, so `status`
// shows the applied position, the lag and a failing (retrying) stream live. Each look costs a few
// history events, so the pace follows what the operator is waiting for.
import { CancellationScope, condition, isCancellation, sleep } from '@temporalio/workflow';
import type { MoveStatus } from '../contract/move.js';
import { observeStep, summarized } from './activity-shapes.js';
import { errorMessage } from './failures.js';

const FAST_MS = 5_000;
const SLOW_MS = 30_000;
const FAST_FOR_MS = 60 * 60_000;

/**
 * Every 5 s during the first hour of the cutover phases (gate, between attempts, holding), every
 * 30 s otherwise: during the copy progress comes from the copy itself, and a gate may last days.
 */
function interval(status: MoveStatus, cutOverSince: number | undefined): number {
  const aroundCutOver = status.phase === 'cutover' || status.phase === 'cutover-wait' || status.phase === 'holding';
  return aroundCutOver && cutOverSince !== undefined && Date.now() - cutOverSince < FAST_FOR_MS ? FAST_MS : SLOW_MS;
}

/** Starts observing; the returned function stops it. */
export function observeStream(status: MoveStatus): () => void {
  const scope = new CancellationScope();
  let cutOverSince: number | undefined;
  void scope
    .run(async () => {
      for (;;) {
        try {
          const health = await summarized(
            observeStep.observeStream,
            'observe the stream: applied position, lag, failures',
            status.streamWorkflowId,
          );
          status.stream = { ...health, observedAt: new Date().toISOString() };
          if (health.appliedPosition) status.appliedGtid = health.appliedPosition;
          if (health.lagMs !== undefined) status.streamLagMs = health.lagMs;
        } catch (err) {
          if (isCancellation(err)) throw err;
          const last = status.stream ?? { running: true, attempt: 0 };
          status.stream = {
            ...last,
            lastError: `cannot observe the stream: ${errorMessage(err)}`,
            observedAt: new Date().toISOString(),
          };
        }
        if (cutOverSince === undefined && status.phase === 'cutover') cutOverSince = Date.now();
        // Wake early when the cutover begins, so the gate is observed at once.
        const wait = interval(status, cutOverSince);
        const phase = status.phase;
        await Promise.race([sleep(wait), condition(() => status.phase !== phase && status.phase === 'cutover')]);
      }
    })
    .catch(() => undefined);
  return () => scope.cancel();
}
