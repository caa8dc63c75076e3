// A reversible move after its cutover. The application lives on one side while a stream keeps the
// other (standby) side's renamed tables current, and the move switches sides on request by the
// cooperative protocol itself, until it is completed:
//
//   on-target --revertCutOver--> revert: cutover attempts from the target onto the source's renamed tables --> on-source
//   on-source --releaseCutOver--> cutover attempts from the source onto the target's renamed tables     --> on-target
//   either    --completeMove, completeAfterSeconds or an abort--> done; the standby side's tables are kept
//
// Each switch is `runCutOverAttempts` on the standby stream's tables (T1 freezes the live side, T3
// drains the standby stream, T4 sets its flag and records the live side's new position, T4b renames
// the standby tables into place); the next standby stream starts where that T4 recorded.
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
import type { CutOverInput } from '../contract/cutover.js';
import { moveCutOverSignal, releaseCutOverSignal } from '../contract/definitions.js';
import { moveSummary } from '../contract/move-details.js';
import type { AfterCutOverResult, MovePhase, MoveStatus, MoveSwitch, StandbyStatus } from '../contract/move.js';
import { reversed, type MovedTables } from '../contract/tables.js';
import { dropStandbyStep, flagStep, restartStep, summarized } from './activity-shapes.js';
import type { MoveSignals } from './move-signals.js';
import { runCutOverAttempts } from './cutover-attempts.js';
import { errorMessage } from './failures.js';
import { watchStreamOnce } from './stream-observer.js';
import { streamTables } from './stream-tables.js';

/** Lag and position news every 5 s in a phase's first hour (an operator deciding on a switch), then every 10 minutes. */
const CLOSELY_FOR_MS = 60 * 60_000;
const AFTER_WATCH_FAILURE_MS = 30_000;

type Side = 'source' | 'target';
const other = (side: Side): Side => (side === 'source' ? 'target' : 'source');

export interface AfterCutOverContext {
  moveId: string;
  tables: MovedTables;
  status: MoveStatus;
  phase(next: MovePhase): void;
  completeAfterMs: number;
  /** The cutover's options, for each switch's attempts (timeouts, hooks, onFailure). */
  switchOptions: Partial<CutOverInput>;
  maxAttempts: number;
  retryDelayMs: number;
  lockWaitTimeoutSeconds: number;
  drainGtid?: string;
  /** What the operator's signals said, as they arrive; a postponed revert's attempt is set on it for a release to reach. */
  said: MoveSignals;
}

/** A stream keeping the standby side current, from the live side's position at the last T4. */
interface StandbyStream {
  workflowId: string;
  failed(): boolean;
  failure(): Error;
  /** Ends when the stream does: at its flag (a switch's T4), or when stopped. */
  done: Promise<void>;
  stop(): Promise<void>;
}

async function startStandby(
  ctx: AfterCutOverContext,
  tables: MovedTables,
  workflowId: string,
  standby: StandbyStatus,
): Promise<StandbyStream> {
  await summarized(
    restartStep.restartStream,
    `standby stream: start on ${tables.target} from ${standby.startPosition}`,
    tables.target,
    tables.streamId,
    standby.startPosition,
  );
  // Shielded from the move's abort, which ends the phase as `complete` does: the phase stops it.
  const scope = new CancellationScope({ cancellable: true, parent: new CancellationScope({ cancellable: false }) });
  const stream = await scope.run(() =>
    startChild(streamTables, {
      workflowId,
      args: [{ ...tables, startPosition: standby.startPosition, intoOldTables: true }],
      staticSummary: `standby stream from ${standby.startPosition} into the renamed tables: ${moveSummary(tables)}`,
      cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
    }),
  );
  let stopping = false;
  let error: unknown;
  const done = stream.result().then(
    () => undefined,
    (err: unknown) => {
      if (stopping) return;
      // The move stays open (the application is on the live side either way); the standby side is not current.
      error = err;
      ctx.status.lastError = `the stream keeping the ${standby.side} current failed: ${errorMessage(err)}; it is no longer current, and no switch can drain`;
    },
  );
  const stopWatching = watchStandby(standby, Date.now());
  return {
    workflowId,
    failed: () => error !== undefined,
    failure: () => new Error(`the stream keeping the ${standby.side} current failed: ${errorMessage(error)}`),
    done: done.finally(stopWatching),
    async stop() {
      stopping = true;
      stopWatching();
      scope.cancel();
      await CancellationScope.nonCancellable(() => done);
    },
  };
}

/** Keeps `standby.stream` current until stopped; returns the stop. */
function watchStandby(standby: StandbyStatus, since: number): () => void {
  const scope = new CancellationScope();
  void scope
    .run(async () => {
      let last: StreamHealth | undefined;
      for (;;) {
        try {
          const closely = Date.now() - since < CLOSELY_FOR_MS;
          last = await watchStreamOnce(standby.streamWorkflowId, last, closely, () => false);
          if (last) standby.stream = { ...last, observedAt: new Date().toISOString() };
        } catch (err) {
          if (isCancellation(err) && scope.consideredCancelled) throw err;
          last = undefined;
          standby.stream = {
            ...(standby.stream ?? { running: true, attempt: 0 }),
            lastError: `cannot observe the standby stream: ${errorMessage(err)}`,
            observedAt: new Date().toISOString(),
          };
          await sleep(AFTER_WATCH_FAILURE_MS);
        }
      }
    })
    .catch(() => undefined);
  return () => scope.cancel();
}

/** Runs the move's time after its cutover to its end; undefined when the cutover recorded no position to start from. */
export async function afterCutOver(ctx: AfterCutOverContext): Promise<AfterCutOverResult | undefined> {
  const { tables, status } = ctx;
  const first = await summarized(
    flagStep.readCutOverFlag,
    `standby stream: read where it starts (the position of ${tables.target} recorded with the flag at T4)`,
    tables.target,
    tables.streamId,
  );
  if (!first.reverseStart) {
    status.lastError = `the cutover recorded no position of ${tables.target} to stream back from (its flag was set by an older version): the source is not kept current`;
    return undefined;
  }
  const completeAt = Date.now() + ctx.completeAfterMs;
  const switches: MoveSwitch[] = (status.switches = []);
  let live: Side = 'target';
  let start = first.reverseStart;
  let drainGtid = ctx.drainGtid;
  for (;;) {
    // The standby stream flows from the live side into the other side's renamed tables.
    const standbyTables = live === 'target' ? reversed(tables) : tables;
    const standby: StandbyStatus = {
      side: other(live),
      streamWorkflowId: `${ctx.moveId}/${live === 'target' ? 'reverse-stream' : 'stream'}`,
      startPosition: start,
      completeAt: new Date(completeAt).toISOString(),
    };
    status.standby = standby;
    status.liveSide = live;
    const stream = await startStandby(ctx, standbyTables, standby.streamWorkflowId, standby);
    ctx.phase(live === 'target' ? 'on-target' : 'on-source');
    notifyParent(ctx.moveId, live, start, drainGtid);

    const switchRequests = () => (live === 'target' ? ctx.said.revertRequests : ctx.said.releaseRequests);
    const seen = switchRequests();
    let ended: AfterCutOverResult['completedBecause'] | undefined;
    try {
      // A failed standby stream cannot drain a switch: only completing is left.
      const woke = await condition(
        () => ctx.said.completeRequested || (switchRequests() > seen && !stream.failed()),
        Math.max(0, completeAt - Date.now()),
      );
      ended = !woke ? 'complete-after' : ctx.said.completeRequested ? 'complete' : undefined;
    } catch (err) {
      if (!isCancellation(err)) throw err;
      ended = 'abort';
    }
    if (ended) return finish(ctx, live, switches, ended, stream, standby);

    const direction = live === 'target' ? 'revert' : 'forward';
    const switchId = `${direction === 'revert' ? 'revert' : 'switch'}-${switches.length + 1}`;
    // A postponed revert waits at its gate for a release (one sent from here on).
    const postponed = direction === 'revert' && ctx.said.postponedRevertRequests === ctx.said.revertRequests;
    const releasesBefore = ctx.said.releaseRequests;
    const released = () => ctx.said.releaseRequests > releasesBefore;
    let switchedDrainGtid: string | undefined;
    try {
      const switched = await runCutOverAttempts({
        moveId: ctx.moveId,
        switchId,
        tables: standbyTables,
        status,
        phase: ctx.phase,
        cutOverInput: () => ({
          ...standbyTables,
          ...ctx.switchOptions,
          postpone: postponed && !released(),
          targetRenamed: true,
          direction,
          streamWorkflowId: standby.streamWorkflowId,
        }),
        onAttempt: async (handle) => {
          if (!postponed) return;
          ctx.said.cutOverHandle = handle;
          // A release that came before the attempt existed.
          if (released()) await handle.signal(releaseCutOverSignal);
        },
        maxAttempts: ctx.maxAttempts,
        retryDelayMs: ctx.retryDelayMs,
        lockWaitTimeoutSeconds: ctx.lockWaitTimeoutSeconds,
        retryRequests: () => ctx.said.retryRequests,
        streamFailed: stream.failed,
        streamFailure: stream.failure,
      });
      switchedDrainGtid = switched.drainGtid;
    } catch (err) {
      // Aborted during the switch: it compensated (or held, renamed back on abort); the application
      // stays where it was.
      if (isCancellation(err)) return finish(ctx, live, switches, 'abort', stream, standby);
      if (status.attempts?.at(-1)?.sourceState === 'complete') {
        // Past T4 (on-success failed): the switch happened, T4b included; routing may not have followed.
        switchedDrainGtid = status.cutOver?.drainGtid;
        status.lastError = `the ${direction} completed (T4, T4b), but a step after them failed: ${errorMessage(err)}; route the application to the ${other(live)} if on-success did not`;
      } else if (stream.failed()) {
        // The standby stream failed: no switch can drain, only completing is left.
        return finish(ctx, live, switches, await completion(ctx, completeAt), stream, standby);
      } else throw err;
    }
    // An abort that came after the switch's T4 let it complete: the move ends with it.
    const aborted = CancellationScope.current().consideredCancelled;
    // T4 set the standby stream's flag: it stops by itself; the next starts where T4 recorded.
    const flag = await CancellationScope.nonCancellable(async () => {
      await stream.done;
      return summarized(
        flagStep.readCutOverFlag,
        `switch ${direction}: read where the next standby stream starts`,
        standbyTables.target,
        standbyTables.streamId,
      );
    });
    drainGtid = switchedDrainGtid;
    switches.push({
      direction,
      workflowId: status.attempts?.at(-1)?.workflowId ?? switchId,
      ...(drainGtid ? { drainGtid } : {}),
      at: new Date().toISOString(),
    });
    live = other(live);
    start = flag.reverseStart ?? '';
    if (aborted) {
      status.liveSide = live;
      delete status.standby;
      return finish(ctx, live, switches, 'abort');
    }
  }
}

/** With nothing left but completing: waits for `completeMove`, the deadline or an abort. */
async function completion(
  ctx: AfterCutOverContext,
  completeAt: number,
): Promise<AfterCutOverResult['completedBecause']> {
  try {
    return (await condition(() => ctx.said.completeRequested, Math.max(0, completeAt - Date.now())))
      ? 'complete'
      : 'complete-after';
  } catch (err) {
    if (!isCancellation(err)) throw err;
    return 'abort';
  }
}

/** Stops the standby stream (if one runs) and says how the move ended. */
async function finish(
  ctx: AfterCutOverContext,
  live: Side,
  switches: MoveSwitch[],
  completedBecause: AfterCutOverResult['completedBecause'],
  stream?: StandbyStream,
  standby?: StandbyStatus,
): Promise<AfterCutOverResult> {
  if (completedBecause === 'abort')
    ctx.status.lastError = `aborted after the cutover: the move completes with the application on the ${live}; the standby stream stopped`;
  const streamError = stream?.failed() ? errorMessage(stream.failure()) : undefined;
  await stream?.stop();
  const appliedPosition = standby?.stream?.appliedPosition;
  // Only at an operator's complete, and only once the stream into them has stopped.
  const dropped =
    completedBecause === 'complete' && standby && ctx.said.dropStandbyTables
      ? await dropStandby(ctx, standby.side)
      : undefined;
  return {
    liveSide: live,
    switches,
    completedBecause,
    ...(dropped ? { droppedTables: dropped } : {}),
    ...(standby
      ? {
          standby: {
            side: standby.side,
            streamWorkflowId: standby.streamWorkflowId,
            startPosition: standby.startPosition,
            ...(appliedPosition ? { appliedPosition } : {}),
            ...(streamError ? { streamError } : {}),
          },
        }
      : {}),
  };
}

async function dropStandby(ctx: AfterCutOverContext, side: Side): Promise<string[]> {
  const { tables } = ctx;
  const [cluster, database] =
    side === 'source' ? [tables.source, tables.database] : [tables.target, tables.targetDatabase];
  const { dropped } = await summarized(
    dropStandbyStep.dropStandbyTables,
    `complete: drop the renamed tables on ${cluster} (asked for)`,
    { cluster, database, tables: tables.tables, oldTableTemplate: tables.oldTableTemplate },
  );
  return dropped;
}

function notifyParent(moveId: string, liveSide: Side, standbyStart: string, drainGtid: string | undefined): void {
  const parent = workflowInfo().parent;
  if (!parent) return;
  void getExternalWorkflowHandle(parent.workflowId, parent.runId)
    .signal(moveCutOverSignal, { moveId, liveSide, standbyStart, ...(drainGtid ? { drainGtid } : {}) })
    .catch(() => undefined);
}
