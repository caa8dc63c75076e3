// The move looks at its stream from the start of the copy to the end of the cutover, so `status`
// shows the applied position, the lag and a failing (retrying) stream live. Each look costs a few
// history events, and a move may wait at its gate, paused or holding for weeks: a look is held on
// the worker until what the move asked to hear of changes. A failure, a stop or a restart is
// reported at once; the applied position and the lag every 5 s during the first hour of the
// cutover phases (what the operator watches), every 10 minutes otherwise; an hour at most without
// news. A month at the gate then costs ~25,000 events, under Temporal's limit of 51,200.
import { CancellationScope, condition, isCancellation, patched, sleep } from '@temporalio/workflow';
import type { StreamHealth } from '../contract/activities.js';
import type { MoveStatus } from '../contract/move.js';
import { observeStep, summarized, WATCH_MAX_WAIT_MS, watchStep } from './activity-shapes.js';
import { errorMessage } from './failures.js';

const FAST_MS = 5_000;
const SLOW_MS = 30_000;
const FAST_FOR_MS = 60 * 60_000;
/** Outside the first hour of the cutover phases, position and lag news wait this long. */
const QUIET_MS = 10 * 60_000;

/**
 * Moves from before watching: every 5 s during the first hour of the cutover phases (gate, between
 * attempts, holding), every 30 s otherwise.
 */
function interval(status: MoveStatus, cutOverSince: number | undefined): number {
  return closelyWatched(status, cutOverSince) ? FAST_MS : SLOW_MS;
}

/** The first hour of the cutover phases (gate, between attempts, holding): what the operator watches. */
function closelyWatched(status: MoveStatus, cutOverSince: number | undefined): boolean {
  const aroundCutOver = status.phase === 'cutover' || status.phase === 'cutover-wait' || status.phase === 'holding';
  return aroundCutOver && cutOverSince !== undefined && Date.now() - cutOverSince < FAST_FOR_MS;
}

const enteredCutOver = (status: MoveStatus, phase: string) => status.phase !== phase && status.phase === 'cutover';

/**
 * One watch of the stream `workflowId`: its health once it changed from `last` (at once without
 * `last`), or undefined when `wake` turned true meanwhile (the caller looks again at once).
 */
export async function watchStreamOnce(
  workflowId: string,
  last: StreamHealth | undefined,
  closely: boolean,
  wake: () => boolean,
): Promise<StreamHealth | undefined> {
  const quietMs = closely ? FAST_MS : QUIET_MS;
  const watch = new CancellationScope();
  try {
    return await watch.run(() =>
      Promise.race([
        summarized(watchStep.watchStream, 'watch the stream: report a failure, a stop or a change of lag', {
          streamWorkflowId: workflowId,
          ...(last ? { last } : {}),
          maxWaitMs: WATCH_MAX_WAIT_MS,
          lagQuietMs: quietMs,
          positionQuietMs: quietMs,
        }),
        condition(wake).then(() => undefined),
      ]),
    );
  } finally {
    // Whichever lost: the watch or the wait for the phase.
    watch.cancel();
  }
}

/** A watch of the move's stream that ends early when the cutover begins, so the gate is observed without delay. */
function watchOnce(status: MoveStatus, last: StreamHealth | undefined, closely: boolean) {
  const phase = status.phase;
  return watchStreamOnce(status.streamWorkflowId, last, closely, () => enteredCutOver(status, phase));
}

/** Starts observing; the returned function stops it. */
export function observeStream(status: MoveStatus): () => void {
  const scope = new CancellationScope();
  let cutOverSince: number | undefined;
  void scope
    .run(async () => {
      const watches = patched('observer-watches');
      let last: StreamHealth | undefined;
      for (;;) {
        if (watches && cutOverSince === undefined && status.phase === 'cutover') cutOverSince = Date.now();
        try {
          const health = watches
            ? await watchOnce(status, last, closelyWatched(status, cutOverSince))
            : await summarized(
                observeStep.observeStream,
                'observe the stream: applied position, lag, failures',
                status.streamWorkflowId,
              );
          last = health;
          if (health) {
            status.stream = { ...health, observedAt: new Date().toISOString() };
            if (health.appliedPosition) status.appliedGtid = health.appliedPosition;
            if (health.lagMs !== undefined) status.streamLagMs = health.lagMs;
          }
        } catch (err) {
          if (isCancellation(err) && scope.consideredCancelled) throw err;
          last = undefined;
          const seen = status.stream ?? { running: true, attempt: 0 };
          status.stream = {
            ...seen,
            lastError: `cannot observe the stream: ${errorMessage(err)}`,
            observedAt: new Date().toISOString(),
          };
          // A watch that fails at once would otherwise be retried at once.
          if (watches) await sleep(SLOW_MS);
        }
        if (watches) continue;
        if (cutOverSince === undefined && status.phase === 'cutover') cutOverSince = Date.now();
        // Wake early when the cutover begins, so the gate is observed at once.
        const wait = interval(status, cutOverSince);
        const phase = status.phase;
        await Promise.race([sleep(wait), condition(() => enteredCutOver(status, phase))]);
      }
    })
    .catch(() => undefined);
  return () => scope.cancel();
}
