// The whole move: prepare -> stream (child) -> copy -> catch up -> cutOver (child) -> verify.
// Pure orchestration; progress lives in workflow state for the `status` query.
import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowCancellationType,
  condition,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  patched,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { VerifyReport } from '../contract/activities.js';
import type { CutOverInput, CutOverResult } from '../contract/cutover.js';
import { movePhaseSearchAttribute, releaseCutOverSignal } from '../contract/definitions.js';
import { failure, type FailureType } from '../contract/failures.js';
import type { MovePhase, MoveStatus, MoveTablesInput, MoveTablesResult } from '../contract/move.js';
import { moveDetails, moveSummary } from '../contract/move-details.js';
import { afterCutOver } from './after-cutover.js';
import { moveOptions } from './move-options.js';
import { handleMoveSignals } from './move-signals.js';
import { verifyAfterRelease } from './verify-after-release.js';
import { verifyBeforeCutOver } from './verify-before-cutover.js';
import { serveVerifyRequests } from './verify-on-demand.js';
import { LAG_MEASURE_TIMEOUT_MS, moveSteps, summarized } from './activity-shapes.js';
import { copyTables } from './copy-tables.js';
import { publishDetails } from './current-details.js';
import { cutOver } from './cutover.js';
import { runCutOverAttempts } from './cutover-attempts.js';
import { errorMessage, surfaced } from './failures.js';
import { observeStream } from './stream-observer.js';
import { streamTables } from './stream-tables.js';

const { prepare, copy, catchUp } = moveSteps;

export async function moveTables(input: MoveTablesInput): Promise<MoveTablesResult> {
  // Compared at one source position before the cutover unless asked otherwise; moves started before
  // that default (no marker) verify after release.
  const {
    tables,
    maxStreamLagMs,
    maxThreadsRunning,
    verifyMode,
    verifyChunkSize,
    verifyMaxSnapshotSeconds,
    deferSecondaryKeys,
    copyConcurrency,
    chunkSize,
    historyLimit,
    cutOverAttempts,
    retryDelayMs,
    lockWaitTimeoutSeconds,
    completeAfterSeconds,
    cutOver: { shared, readiness },
  } = moveOptions(input, patched('verify-before-cutover') ? 'before-cutover' : 'after-release');
  const resume = input.resume;
  const moveId = workflowInfo().workflowId;
  // Moves started before cutover attempts existed replay (and finish) on their single cutover.
  const withAttempts = patched('cutover-attempts');
  // Reversible unless asked otherwise; moves started before that default (no marker) stay one-way.
  const reversible = input.reversible ?? patched('reversible-by-default');

  const status: MoveStatus = {
    phase: resume ? 'copy' : 'prepare',
    paused: false,
    chunkSize,
    tables: {},
    rowsCopied: 0,
    estimatedRows: 0,
    rowsPerSecond: 0,
    ...resume?.status,
    ...(resume ? { previousRuns: resume.runs } : {}),
    streamWorkflowId: `${moveId}/stream`,
    cutOverWorkflowId: `${moveId}/cutover`,
  };
  let result: MoveTablesResult | undefined;
  publishDetails(() => moveDetails(tables, status, result));
  const said = handleMoveSignals(status, resume?.released ?? false);
  serveVerifyRequests({
    tables,
    status,
    requests: said.verifyRequests,
    chunkSize: verifyChunkSize,
    maxSnapshotSeconds: verifyMaxSnapshotSeconds,
  });
  const phase = (next: MovePhase) => {
    status.phase = next;
    upsertSearchAttributes([{ key: movePhaseSearchAttribute, value: next }]);
  };
  // A run that continues a move (continue-as-new) was prepared by the first.
  if (!resume) phase('prepare');

  let streamError: unknown;
  let streamDone: Promise<void> | undefined;
  let stopStream: (() => void) | undefined;
  /** What prepare did on the target: an aborted move undoes it. */
  let preparedTarget: { created: string[]; emptied: string[] } | undefined;
  /** The stream was stopped on purpose, for the next run to start it again where it stood. */
  let streamHandedOver = false;
  try {
    const prepared =
      resume?.prepared ??
      (await summarized(
        prepare.prepareMove,
        `prepare: check both clusters, the binlog settings and the schemas${reversible ? ' (the reverse path too)' : ''}; create the target tables`,
        {
          ...tables,
          ...(reversible ? { reversible } : {}),
          ...(deferSecondaryKeys ? { deferSecondaryKeys } : {}),
        },
      ).catch((err: unknown) => {
        throw surfaced(err);
      }));
    status.startPosition = prepared.startPosition;
    preparedTarget = {
      created: prepared.createdTables,
      emptied: tables.tables.filter((t) => !prepared.createdTables.includes(t)),
    };
    if (prepared.warnings?.length) status.warnings = prepared.warnings;
    if (!resume) {
      for (const table of tables.tables)
        status.tables[table] = { rowsCopied: 0, estimatedRows: prepared.estimatedRows[table] ?? 0, done: false };
      status.estimatedRows = Object.values(status.tables).reduce((sum, t) => sum + t.estimatedRows, 0);
    }

    // Its own scope, so a hand-over to the next run can stop it (a new run resumes it from the
    // position stored on the target, as after a lost worker). An abort does not reach it: an
    // attempt aborted between T1 and T4 needs it while it compensates, so the move stops it itself
    // once the attempt is done. (Moves started before this replay with it in the move's scope.)
    const streamScope = patched('stream-outlives-abort')
      ? new CancellationScope({ cancellable: true, parent: new CancellationScope({ cancellable: false }) })
      : new CancellationScope();
    stopStream = () => streamScope.cancel();
    const stream = await streamScope.run(() =>
      startChild(streamTables, {
        workflowId: status.streamWorkflowId,
        args: [{ ...tables, startPosition: prepared.startPosition }],
        staticSummary: `binlog stream from ${prepared.startPosition || 'the oldest binlog'}: ${moveSummary(tables)}`,
        cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
      }),
    );
    streamDone = stream.result().then(
      () => undefined,
      (err: unknown) => {
        if (!streamHandedOver) streamError = err;
      },
    );
    /** The stream's own typed failure (BinlogPurged, RowRejected, UnsupportedDdl...) ends the move. */
    const streamFailure = (): Error => {
      const cause = surfaced(streamError);
      const type = (cause instanceof ApplicationFailure && cause.type ? cause.type : 'StreamFailed') as FailureType;
      return failure(type, `the binlog stream failed: ${errorMessage(streamError)}`, undefined, cause as Error);
    };
    const checkStream = () => {
      if (streamError !== undefined) throw streamFailure();
    };
    // From the copy to the end of the cutover (moves from before this replay without it).
    const stopObserving = withAttempts ? observeStream(status) : undefined;

    phase('copy');
    // Long copies continue as new before the history grows past Temporal's limits (moves started
    // before this replay without it).
    const canHandOver = patched('continue-as-new');
    const copyStartedAt = resume?.copyStartedAt ?? Date.now();
    const copied = await copyTables({
      tables,
      status,
      maxThreadsRunning,
      concurrency: copyConcurrency,
      startedAt: copyStartedAt,
      plans: resume?.copyPlans ?? {},
      lastSlices: resume?.copyLastSlices ?? {},
      handOverDue: () =>
        canHandOver && (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= historyLimit),
      async beforeSlice() {
        await condition(() => !status.paused || streamError !== undefined);
        checkStream();
      },
    });
    if (!copied.done) {
      stopObserving?.();
      streamHandedOver = true;
      streamScope.cancel();
      await streamDone;
      const { tables: copyStatus, rowsCopied, estimatedRows, paused, chunkSize } = status;
      await continueAsNew<typeof moveTables>({
        ...input,
        // Decided once, by the run that prepared the move.
        reversible,
        resume: {
          prepared,
          status: { tables: copyStatus, rowsCopied, estimatedRows, paused, chunkSize },
          copyStartedAt,
          copyPlans: copied.plans,
          copyLastSlices: copied.lastSlices,
          released: said.released,
          runs: (resume?.runs ?? 0) + 1,
        },
      });
    }
    // The rows are in: the keys prepare left out are built now, before anything compares or cuts over.
    const deferredKeys = prepared.deferredKeys ?? {};
    const keyTables = Object.keys(deferredKeys);
    let keySeconds = 0;
    if (keyTables.length) {
      const keys = keyTables.reduce((sum, table) => sum + deferredKeys[table]!.length, 0);
      const started = Date.now();
      status.deferredKeys = { state: 'adding', keys, tables: keyTables.length };
      await summarized(
        copy.addDeferredKeys,
        `copy: build the ${keys} secondary key(s) left out of the load (${keyTables.join(', ')})`,
        { target: tables.target, targetDatabase: tables.targetDatabase, keys: deferredKeys },
      );
      keySeconds = (Date.now() - started) / 1_000;
      status.deferredKeys = { state: 'added', keys, tables: keyTables.length, seconds: keySeconds };
      status.rowsPerSecond = Math.round(status.rowsCopied / Math.max(copied.seconds + keySeconds, 0.001));
    }
    // The copy ends with its keys built: its time and rate count them.
    const copySeconds = copied.seconds + keySeconds;
    status.etaSeconds = 0;

    phase('catch-up');
    for (;;) {
      checkStream();
      const measured = await summarized(catchUp.measureStreamLag, 'catch-up: measure the stream lag', {
        source: tables.source,
        target: tables.target,
        streamId: tables.streamId,
        timeoutMs: LAG_MEASURE_TIMEOUT_MS,
      });
      status.streamLagMs = measured.lagMs;
      status.appliedGtid = measured.appliedPosition;
      if (measured.caughtUp && measured.lagMs <= maxStreamLagMs) break;
    }
    const verifiedBeforeCutOver =
      verifyMode === 'before-cutover'
        ? await verifyBeforeCutOver({
            tables,
            status,
            phase,
            chunkSize: verifyChunkSize,
            maxSnapshotSeconds: verifyMaxSnapshotSeconds,
            retryRequests: () => said.retryRequests,
            checkStream,
            streamFailed: () => streamError !== undefined,
          })
        : undefined;

    phase('cutover');
    const cutOverInput = (): CutOverInput => ({
      ...tables,
      ...shared,
      postpone: Boolean(input.postpone) && !said.released,
      ...(verifyMode === 'before-release' ? { verifyBeforeRelease: { chunkSize: verifyChunkSize } } : {}),
      ...(withAttempts ? { ...readiness, streamWorkflowId: status.streamWorkflowId } : {}),
    });
    const onAttempt = async (handle: ChildWorkflowHandle<typeof cutOver>) => {
      said.cutOverHandle = handle;
      // A release that came before the child existed.
      if (said.released) await handle.signal(releaseCutOverSignal);
    };
    let cutOverResult: CutOverResult;
    if (withAttempts) {
      try {
        cutOverResult = await runCutOverAttempts({
          moveId,
          tables,
          status,
          phase,
          cutOverInput,
          onAttempt,
          maxAttempts: cutOverAttempts,
          retryDelayMs,
          lockWaitTimeoutSeconds,
          retryRequests: () => said.retryRequests,
          streamFailed: () => streamError !== undefined,
          streamFailure,
        });
      } finally {
        stopObserving?.();
      }
    } else {
      const handle = await startChild(cutOver, { workflowId: status.cutOverWorkflowId, args: [cutOverInput()] });
      await onAttempt(handle);
      cutOverResult = await handle.result().catch((err: unknown) => {
        throw surfaced(err);
      });
    }
    status.appliedGtid = cutOverResult.appliedPosition;
    status.liveSide = 'target';
    // The child's last step reports may still be in flight: its result is final.
    status.cutOver = {
      step: 'T6',
      postponed: false,
      released: said.released,
      ...(cutOverResult.drainGtid ? { drainGtid: cutOverResult.drainGtid } : {}),
      ...(cutOverResult.appliedPosition ? { appliedPosition: cutOverResult.appliedPosition } : {}),
    };
    await streamDone;

    // Aborted after T4: the cutover completed instead; the move ends done and says so, without the
    // verification the abort asked not to wait for. (Moves started before this replay without it.)
    const lateAbort =
      CancellationScope.current().consideredCancelled && patched('late-abort-completes')
        ? (cutOverResult.lateAbort ?? 'an abort came after T4, the point of no return: the cutover completed instead')
        : undefined;
    if (lateAbort) status.lastError = `${lateAbort}; verification after release skipped`;
    let verify: VerifyReport | undefined = verifiedBeforeCutOver ?? cutOverResult.verify;
    if (verifyMode === 'after-release' && !lateAbort)
      verify = await verifyAfterRelease(tables, status, phase, verifyChunkSize);

    // The application now writes to the target: a reversible move keeps the source current, and can
    // switch back and forth, until completed.
    const afterCutOverResult =
      reversible && !lateAbort
        ? await afterCutOver({
            moveId,
            tables,
            status,
            phase,
            completeAfterMs: completeAfterSeconds * 1_000,
            switchOptions: { ...shared, ...readiness },
            maxAttempts: cutOverAttempts,
            retryDelayMs,
            lockWaitTimeoutSeconds,
            ...(cutOverResult.drainGtid ? { drainGtid: cutOverResult.drainGtid } : {}),
            said,
          })
        : undefined;

    result = {
      startPosition: prepared.startPosition,
      rowsCopied: status.rowsCopied,
      copySeconds,
      copyRowsPerSecond: Math.round(status.rowsCopied / Math.max(copySeconds, 0.001)),
      cutOver: cutOverResult,
      ...(verify ? { verify } : {}),
      ...(afterCutOverResult ? { afterCutOver: afterCutOverResult } : {}),
    };
    phase('done');
    return result;
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    status.lastError = errorMessage(err);
    if (isCancellation(err)) {
      // The stream is cancelled with the move: report cancelled once it has stopped. The target
      // table stays as it is; after T1 the cutover's compensation has run.
      phase('cancelled');
      streamHandedOver = true;
      stopStream?.();
      if (streamDone) await CancellationScope.nonCancellable(() => streamDone!);
      // Nothing of the move stays on the target (unless asked): the next move of these tables
      // finds them as this one did. (Moves started before this replay without it.)
      if (preparedTarget && !input.keepTargetOnAbort && patched('abort-discards-target')) {
        const discarded = preparedTarget;
        await CancellationScope.nonCancellable(() =>
          summarized(
            moveSteps.discard.discardTarget,
            `abort: drop the target tables the move created, empty the others, forget its state on ${tables.target}`,
            { target: tables.target, targetDatabase: tables.targetDatabase, streamId: tables.streamId, ...discarded },
          ),
        ).catch((discardErr: unknown) => {
          status.lastError = `${status.lastError ?? 'cancelled'}; the target tables were kept: ${errorMessage(discardErr)}`;
        });
      }
    } else {
      phase('failed');
    }
    throw err;
  }
}
