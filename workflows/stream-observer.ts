// Around the cutover (at the gate, between attempts, while holding) the move looks at its stream
// every few seconds, so `status` shows the applied position, the lag and a failing stream live.
import { CancellationScope, isCancellation, sleep } from '@temporalio/workflow';
import type { MoveStatus } from '../contract/move.js';
import { observeStep } from './activity-shapes.js';
import { errorMessage } from './failures.js';

/** Every 5 s for the first hour, then every 30 s: each look costs history events, and a gate may last days. */
const FAST_MS = 5_000;
const SLOW_MS = 30_000;
const FAST_FOR_MS = 60 * 60_000;

/** Starts observing; the returned function stops it. */
export function observeStream(status: MoveStatus): () => void {
  const scope = new CancellationScope();
  const started = Date.now();
  void scope
    .run(async () => {
      for (;;) {
        try {
          const health = await observeStep.observeStream(status.streamWorkflowId);
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
        await sleep(Date.now() - started < FAST_FOR_MS ? FAST_MS : SLOW_MS);
      }
    })
    .catch(() => undefined);
  return () => scope.cancel();
}
