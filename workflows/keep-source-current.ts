// A reversible move after its cutover (phase `on-target`): the application writes to the target,
// and a reverse stream applies those writes to the source's renamed tables, so the source stays
// current. The move stays open until `completeMove`, its `completeAfterSeconds`, or an abort (which
// comes after the point of no return and completes it); then the reverse stream stops and the
// source's renamed tables are kept.
import {
  CancellationScope,
  ChildWorkflowCancellationType,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { StreamHealth } from '../contract/activities.js';
import { moveCutOverSignal } from '../contract/definitions.js';
import { moveSummary } from '../contract/move-details.js';
import type { MovePhase, MoveStatus, ReverseResult, ReverseStatus } from '../contract/move.js';
import { reversed, type MovedTables } from '../contract/tables.js';
import { flagStep, summarized } from './activity-shapes.js';
import { errorMessage } from './failures.js';
import { watchStreamOnce } from './stream-observer.js';
import { streamTables } from './stream-tables.js';

/** Lag and position news every 5 s in the phase's first hour (an operator deciding on a revert), then every 10 minutes. */
const CLOSELY_FOR_MS = 60 * 60_000;
const AFTER_WATCH_FAILURE_MS = 30_000;

export interface CutOverPhaseContext {
  moveId: string;
  tables: MovedTables;
  status: MoveStatus;
  phase(next: MovePhase): void;
  completeAfterMs: number;
  completeRequested(): boolean;
  drainGtid?: string;
}

/** Keeps `reverse.stream` current until stopped; returns the stop. */
function watchReverse(reverse: ReverseStatus, since: number): () => void {
  const scope = new CancellationScope();
  void scope
    .run(async () => {
      let last: StreamHealth | undefined;
      for (;;) {
        try {
          const closely = Date.now() - since < CLOSELY_FOR_MS;
          last = await watchStreamOnce(reverse.streamWorkflowId, last, closely, () => false);
          if (last) reverse.stream = { ...last, observedAt: new Date().toISOString() };
        } catch (err) {
          if (isCancellation(err) && scope.consideredCancelled) throw err;
          last = undefined;
          reverse.stream = {
            ...(reverse.stream ?? { running: true, attempt: 0 }),
            lastError: `cannot observe the reverse stream: ${errorMessage(err)}`,
            observedAt: new Date().toISOString(),
          };
          await sleep(AFTER_WATCH_FAILURE_MS);
        }
      }
    })
    .catch(() => undefined);
  return () => scope.cancel();
}

/** Runs the `on-target` phase to its end; undefined when the cutover recorded no position to start from. */
export async function keepSourceCurrent(ctx: CutOverPhaseContext): Promise<ReverseResult | undefined> {
  const { tables, status } = ctx;
  const { reverseStart } = await summarized(
    flagStep.readCutOverFlag,
    `reverse stream: read where it starts (the position of ${tables.target} recorded with the flag at T4)`,
    tables.target,
    tables.streamId,
  );
  if (!reverseStart) {
    status.lastError = `the cutover recorded no position of ${tables.target} to stream back from (its flag was set by an older version): the source is not kept current`;
    return undefined;
  }
  const streamWorkflowId = `${ctx.moveId}/reverse-stream`;
  const reverse: ReverseStatus = {
    streamWorkflowId,
    startPosition: reverseStart,
    completeAt: new Date(Date.now() + ctx.completeAfterMs).toISOString(),
  };
  status.reverse = reverse;
  ctx.phase('on-target');
  const parent = workflowInfo().parent;
  if (parent)
    void getExternalWorkflowHandle(parent.workflowId, parent.runId)
      .signal(moveCutOverSignal, {
        moveId: ctx.moveId,
        reverseStart,
        ...(ctx.drainGtid ? { drainGtid: ctx.drainGtid } : {}),
      })
      .catch(() => undefined);

  // Shielded from the move's abort, which ends this phase as `complete` does: the phase stops it.
  const streamScope = new CancellationScope({
    cancellable: true,
    parent: new CancellationScope({ cancellable: false }),
  });
  const reverseTables = reversed(tables);
  const stream = await streamScope.run(() =>
    startChild(streamTables, {
      workflowId: streamWorkflowId,
      args: [{ ...reverseTables, startPosition: reverseStart, intoOldTables: true }],
      staticSummary: `reverse stream from ${reverseStart} into the source's renamed tables: ${moveSummary(reverseTables)}`,
      cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
    }),
  );
  let stopping = false;
  let streamError: string | undefined;
  const streamDone = stream.result().then(
    () => undefined,
    (err: unknown) => {
      if (stopping) return;
      // The move stays open (the application is on the target either way); the source is not current.
      streamError = errorMessage(err);
      status.lastError = `the reverse stream failed: ${streamError}; the source's renamed tables are no longer kept current`;
    },
  );
  const stopWatching = watchReverse(reverse, Date.now());

  let completedBecause: ReverseResult['completedBecause'];
  try {
    const requested = await condition(() => ctx.completeRequested(), ctx.completeAfterMs);
    completedBecause = requested ? 'complete' : 'complete-after';
  } catch (err) {
    if (!isCancellation(err)) throw err;
    completedBecause = 'abort';
    status.lastError =
      'aborted after the cutover: the move completes (the application stays on the target); the reverse stream stopped';
  }
  stopping = true;
  stopWatching();
  streamScope.cancel();
  await CancellationScope.nonCancellable(() => streamDone);
  const appliedPosition = reverse.stream?.appliedPosition;
  return {
    streamWorkflowId,
    startPosition: reverseStart,
    ...(appliedPosition ? { appliedPosition } : {}),
    completedBecause,
    ...(streamError ? { streamError } : {}),
  };
}
