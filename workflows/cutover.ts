// The cooperative cutover (design: "The cutover protocol"). Pure orchestration: every I/O step
// is an activity with its own retry shape; the drain GTID lives in history between T2 and T3.
import {
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  HookEvent,
  HookRequest,
  Readiness,
  RenamePlan,
  RenameProgress,
  VerifyReport,
} from '../contract/activities.js';
import {
  CUTOVER_DEFAULTS,
  type CutOverFailureDetails,
  type CutOverInput,
  type CutOverResult,
  type CutOverStatus,
  type CutOverStep,
  type SourceState,
} from '../contract/cutover.js';
import { cutOverProgressSignal, cutOverStatusQuery, releaseCutOverSignal } from '../contract/definitions.js';
import { cutOverDetails } from '../contract/move-details.js';
import { renameClause } from '../contract/rename-statement.js';
import { failure } from '../contract/failures.js';
import { recordCutOverStep, recordCutOverWindow } from './move-metrics.js';
import { oldTableName } from '../contract/identifiers.js';
import { invalid, normalizeTables, positive, renamePlanFor } from '../contract/tables.js';
import { cutOverSteps, summarized } from './activity-shapes.js';
import { publishDetails } from './current-details.js';
import { setDescribedHandler } from './described-handler.js';
import { errorMessage, lastHeartbeatOf, surfaced } from './failures.js';
import { verificationFailure } from './verification.js';

/** T4b's wait between refusals: past T4 it is tried until it succeeds. */
const T4B_RETRY_MS = 10_000;
/** The window's steps: each report to the move costs the attempt a workflow task of its own. */
const WINDOW_STEPS: ReadonlySet<CutOverStep> = new Set<CutOverStep>(['T1', 'T2', 'T3', 'T4', 'T4b', 'T5']);
/** A window step reports to the move once it has lasted this long (a slow drain, a held hook). */
const WINDOW_REPORT_AFTER_MS = 1_000;

export async function cutOver(rawInput: CutOverInput): Promise<CutOverResult> {
  const tables = normalizeTables(rawInput);
  const drainTimeoutMs = positive('drainTimeoutSeconds', rawInput.drainTimeoutSeconds, 60) * 1_000;
  const pollIntervalMs = positive('drainPollIntervalMs', rawInput.drainPollIntervalMs, 100);
  const lockWaitTimeoutSeconds = Math.ceil(
    positive('lockWaitTimeoutSeconds', rawInput.lockWaitTimeoutSeconds, CUTOVER_DEFAULTS.lockWaitTimeoutSeconds),
  );
  const maxStreamLagMs = positive('maxStreamLagMs', rawInput.maxStreamLagMs, CUTOVER_DEFAULTS.maxStreamLagMs);
  const maxTransactionAgeSeconds = positive(
    'maxTransactionAgeSeconds',
    rawInput.maxTransactionAgeSeconds,
    lockWaitTimeoutSeconds,
  );
  const hookTimeoutMs = positive('hookTimeoutSeconds', rawInput.hookTimeoutSeconds, 60) * 1_000;
  const onFailure = rawInput.onFailure ?? 'rollback';
  if (onFailure !== 'rollback' && onFailure !== 'hold')
    invalid(`"onFailure" must be "rollback" or "hold", got ${JSON.stringify(onFailure)}`);

  const status: CutOverStatus = { step: 'validate', postponed: false, released: false };
  let result: CutOverResult | undefined;
  publishDetails(() => cutOverDetails(tables, status, result));
  setDescribedHandler(cutOverStatusQuery, () => status);
  setDescribedHandler(releaseCutOverSignal, () => {
    status.released = true;
  });
  const hooksRun: string[] = [];
  if (rawInput.noop) {
    status.step = 'noop';
    return { noop: true, renamedTables: [], stepDurationsMs: {}, hooksRun };
  }

  const { workflowId, runId, startTime, parent } = workflowInfo();
  /** A parent move shows the cutover's progress in its own status. */
  function report(): void {
    if (parent)
      void getExternalWorkflowHandle(parent.workflowId, parent.runId)
        .signal(cutOverProgressSignal, { ...status })
        .catch(() => undefined);
  }
  const oldTables = tables.tables.map((t) => oldTableName(t, tables.oldTableTemplate));
  // A switch onto tables waiting under their old names on the target (a reversible move's revert,
  // or a cutover after one): they are checked, drained into and raised there, then renamed into place.
  const targetRenamed = rawInput.targetRenamed === true;
  const targetTables = targetRenamed ? oldTables : tables.tables;
  // The run id fences this attempt's RENAMEs: unique even when a move id is used again, and known
  // to the parent (the child's first run id) when it must settle the attempt from outside.
  const plan = renamePlanFor(tables, lockWaitTimeoutSeconds, workflowId, { fence: runId });
  /** T4b: the target's tables from their old names into place (a rename "back" on the target). */
  const targetPlan = renamePlanFor(
    { ...tables, source: tables.target, database: tables.targetDatabase },
    lockWaitTimeoutSeconds,
    `${workflowId}/target`,
    { fence: `${runId}/target` },
  );

  const steps = cutOverSteps({ lockWaitTimeoutSeconds, drainTimeoutMs, hookTimeoutMs, maxStreamLagMs });

  // A report's delivery adds a workflow task to the attempt, racing the step's own completion: in the
  // window, a report only from a step that lasts (a quick window was twice as long with one per step).
  // Cutovers started before replay with a report per step.
  const quietWindow = patched('window-reports-when-slow');
  const stepDurationsMs: CutOverResult['stepDurationsMs'] = {};
  async function step<T>(name: CutOverStep, run: () => Promise<T>): Promise<T> {
    status.step = name;
    const lateReport = quietWindow && WINDOW_STEPS.has(name) ? new CancellationScope() : undefined;
    if (lateReport) void lateReport.run(() => sleep(WINDOW_REPORT_AFTER_MS).then(report)).catch(() => undefined);
    else report();
    const started = Date.now();
    try {
      return await run();
    } finally {
      lateReport?.cancel();
      stepDurationsMs[name] = Date.now() - started;
      recordCutOverStep(name, stepDurationsMs[name]);
    }
  }
  async function hook(event: HookEvent, extra: Partial<HookRequest> = {}): Promise<void> {
    const { ran } = await summarized(steps.hooks.runHooks, `hook gh-ost-${event}`, {
      event,
      workflowId,
      source: tables.source,
      target: tables.target,
      database: tables.database,
      targetDatabase: tables.targetDatabase,
      tables: tables.tables,
      oldTables,
      elapsedSeconds: Math.round((Date.now() - startTime.getTime()) / 1_000),
      timeoutMs: hookTimeoutMs,
      ...(rawInput.hooksHint === undefined ? {} : { hint: rawInput.hooksHint }),
      ...(status.drainGtid ? { drainGtid: status.drainGtid } : {}),
      ...(rawInput.direction ? { direction: rawInput.direction } : {}),
      ...extra,
    });
    hooksRun.push(...ran);
  }
  /**
   * Fires on-failure (best effort: its own failure is reported, never masks the cause; not when the
   * attempt stopped before any cut-over hook ran) and fails the workflow.
   */
  async function fail(
    failedStep: CutOverStep,
    err: unknown,
    sourceState: SourceState,
    outcome: string,
    fireOnFailure = true,
  ): Promise<never> {
    const message = `cutover failed at ${failedStep}: ${errorMessage(err)}; ${outcome}`;
    status.lastError = message;
    status.step = 'failed';
    report();
    let hookNote = '';
    if (fireOnFailure)
      await CancellationScope.nonCancellable(() => hook('on-failure', { failureMessage: message })).catch(
        (hookErr: unknown) => {
          hookNote = `; on-failure hook also failed: ${errorMessage(hookErr)}`;
        },
      );
    // Cancelled with the tables left renamed (a failed compensation): the move must learn that,
    // so it fails with the source's state instead of ending as cancelled.
    if (isCancellation(err) && (sourceState === 'unchanged' || !patched('cancelled-attempt-reports-state'))) throw err;
    const details: CutOverFailureDetails = {
      step: failedStep,
      sourceState,
      drainGtid: status.drainGtid,
      stepDurationsMs,
    };
    throw failure('CutOverFailed', message + hookNote, { ...details }, err instanceof Error ? err : undefined);
  }

  try {
    await step('validate', () =>
      summarized(steps.validate.validateCutOver, 'validate: tables, clusters and the stream', {
        ...tables,
        ...(targetRenamed ? { targetRenamed } : {}),
      }),
    );
  } catch (err) {
    // Surface the check's own typed error (UnknownCluster, MissingTable, ...), not its wrapper.
    throw surfaced(err);
  }

  // Gate, T0 and readiness: nothing has changed yet, so a failure only needs reporting.
  let readiness: Readiness | undefined;
  let notReadyBeforeHooks = false;
  try {
    if (rawInput.postpone && !status.released) {
      status.postponed = true;
      await step('postponed', async () => {
        await hook('on-begin-postponed');
        await condition(() => status.released);
        status.postponed = false;
      });
    }
    const checkReady = () =>
      step('ready', () =>
        summarized(
          steps.ready.checkReadiness,
          `ready: stream lag ≤ ${maxStreamLagMs} ms, no transaction on the tables older than ${maxTransactionAgeSeconds} s`,
          {
            source: tables.source,
            target: tables.target,
            database: tables.database,
            targetDatabase: tables.targetDatabase,
            tables: tables.tables,
            streamId: tables.streamId,
            maxStreamLagMs,
            maxTransactionAgeSeconds,
            ...(rawInput.streamWorkflowId ? { streamWorkflowId: rawInput.streamWorkflowId } : {}),
            ...(targetRenamed ? { targetTables } : {}),
          },
        ),
      );
    // Before on-before-cut-over too: an attempt that is not ready fires no hook (hooks that put the
    // application in a degraded mode would flap for nothing). Cutovers started before replay without it.
    if (patched('readiness-before-hooks')) {
      try {
        readiness = await checkReady();
      } catch (err) {
        notReadyBeforeHooks = true;
        throw err;
      }
    }
    await step('T0', () => hook('on-before-cut-over'));
    // Right before T1: a RENAME that cannot drain, or that waits behind a long transaction, is an
    // outage for nothing. (Cutovers started before this gate existed replay without it.)
    if (patched('readiness-gate')) readiness = await checkReady();
  } catch (err) {
    // Not ready before on-before-cut-over: the attempt fires no hook, on-failure neither.
    return fail(status.step, err, 'unchanged', 'nothing was renamed; the source is unchanged', !notReadyBeforeHooks);
  }

  const windowStart = Date.now();
  // Not cancellable: a cancellation must not leave the RENAME's outcome unknown.
  /** T1 failed, and the source says not renamed (`unchanged`) or cannot say (`unknown`). */
  type T1Failure = { err: unknown; outcome: 'unchanged' | 'unknown' };
  /** The server T1 renamed on, as it reported it (unknown when its outcome was settled by inspection). */
  let renamedOn: string | undefined;
  const t1Failure = await CancellationScope.nonCancellable(async (): Promise<T1Failure | undefined> => {
    try {
      const renamed = await step('T1', () =>
        summarized(
          steps.T1.renameSourceTables,
          `T1 on ${tables.source}: ${renameClause(plan, 'forward')} (lock wait ≤ ${lockWaitTimeoutSeconds} s)`,
          plan,
        ),
      );
      renamedOn = renamed?.renamedOn;
      return undefined;
    } catch (err) {
      // The RENAME may have happened (timeout, lost worker, dropped connection): ask the source,
      // after ending the connection a silent T1 reported, so it cannot send the RENAME late.
      const t1ConnectionId = lastHeartbeatOf<RenameProgress>(err)?.connectionId;
      const inspection: RenamePlan = t1ConnectionId === undefined ? plan : { ...plan, t1ConnectionId };
      try {
        return (await summarized(
          steps.inspectT1.inspectRename,
          `T1 outcome: ask ${tables.source} whether the RENAME happened`,
          inspection,
        )) === 'not-renamed'
          ? { err, outcome: 'unchanged' }
          : undefined;
      } catch (inspectErr) {
        return { err: inspectErr, outcome: 'unknown' };
      }
    }
  });
  if (t1Failure?.outcome === 'unchanged') {
    return fail('T1', t1Failure.err, 'unchanged', 'the source tables were not renamed; the source is unchanged');
  }
  if (t1Failure) {
    // Nothing more is sent to a source whose state is unknown: an operator looks first.
    return fail(
      'T1',
      t1Failure.err,
      'renamed',
      `the RENAME's outcome is unknown (the source could not be inspected): treat the source tables as renamed (${oldTables.join(', ')}) until an operator has looked`,
    );
  }

  let appliedPosition = '';
  try {
    // On the server that renamed, or T2 fails (ServerMismatch) and the attempt compensates. (Cutovers
    // started before T1 reported its server replay without it.)
    const sameServer = renamedOn !== undefined && patched('drain-same-server') ? [renamedOn] : [];
    status.drainGtid = await step('T2', () =>
      summarized(
        steps.T2.captureDrainGtid,
        `T2: capture the drain GTID on ${tables.source}`,
        tables.source,
        ...sameServer,
      ),
    );
    ({ appliedPosition } = await step('T3', () =>
      summarized(
        steps.T3.awaitDrain,
        `T3: wait until ${tables.target} has applied ${status.drainGtid} (timeout ${drainTimeoutMs / 1_000} s)`,
        {
          target: tables.target,
          streamId: tables.streamId,
          drainGtid: status.drainGtid!,
          pollIntervalMs,
          timeoutMs: drainTimeoutMs,
          ...(patched('auto-increment-sync')
            ? {
                autoIncrement: {
                  source: tables.source,
                  target: tables.target,
                  database: tables.database,
                  targetDatabase: tables.targetDatabase,
                  tables: tables.tables.map((_, i) => ({ sourceTable: oldTables[i]!, targetTable: targetTables[i]! })),
                  lockWaitTimeoutSeconds,
                },
              }
            : {}),
        },
      ),
    ));
    status.appliedPosition = appliedPosition;
    // Not cancellable: once sent, T4's outcome must be known before anything is undone.
    await step('T4', () =>
      CancellationScope.nonCancellable(() =>
        summarized(
          steps.T4.setCutOverComplete,
          `T4: set the cutover-complete flag on ${tables.target}`,
          tables.target,
          tables.streamId,
          status.drainGtid!,
        ),
      ),
    );
  } catch (err) {
    const failedStep = status.step;
    status.step = 'compensating';
    status.lastError = errorMessage(err);
    report();
    const undo = await CancellationScope.nonCancellable(async (): Promise<[SourceState, string] | 'rolled-forward'> => {
      // T4 may have committed with its outcome lost: the flag decides, never a guess. Set: the
      // stream has stopped, so undoing would strand the target; the cutover rolls forward.
      if (patched('t4-outcome-read')) {
        const readFlag = () =>
          summarized(
            steps.flag.readCutOverFlag,
            `T4 outcome: read the cutover-complete flag on ${tables.target}`,
            tables.target,
            tables.streamId,
          );
        if (!patched('flag-unreadable-holds')) {
          if ((await readFlag()).cutOverComplete) return 'rolled-forward';
        } else {
          // Unreadable (the target down through the retries): neither undo nor proceed. Renaming
          // back with the flag set would make the source writable while nothing carries its writes.
          const flag = await readFlag().catch((flagErr: unknown) => flagErr as Error);
          if (flag instanceof Error)
            return [
              'renamed',
              `the cutover-complete flag on ${tables.target} could not be read (${errorMessage(flag)}), so whether T4 happened is unknown: the source tables stay renamed (${oldTables.join(', ')}) until an operator acts`,
            ];
          if (flag.cutOverComplete) return 'rolled-forward';
        }
      }
      if (onFailure === 'hold') {
        return [
          'renamed',
          `held: the source tables stay renamed (${oldTables.join(', ')}) and writes to them fail until an operator acts`,
        ];
      }
      try {
        const { renamedBack } = await summarized(
          steps.compensate.renameBack,
          `compensate on ${tables.source}: ${renameClause(plan, 'back')}`,
          plan,
        );
        return [
          'unchanged',
          renamedBack
            ? 'compensated: the tables were renamed back and the source takes writes again'
            : 'the source tables were not renamed; nothing to undo',
        ];
      } catch (compErr) {
        return [
          'renamed',
          `compensation FAILED (${errorMessage(compErr)}): the source tables stay renamed (${oldTables.join(', ')}); rename them back by hand`,
        ];
      }
    });
    if (undo !== 'rolled-forward') return fail(failedStep, err, undo[0], undo[1]);
    status.lastError = undefined;
  }
  const cutoverWindowMs = Date.now() - windowStart;
  recordCutOverWindow(cutoverWindowMs);

  // Past T4 the cutover only rolls forward: an abort (or a parent's close) must not kill on-success
  // mid-run or fire on-failure with the source renamed and the stream stopped. (Cutovers started
  // before this replay without it.)
  const rollForward = patched('roll-forward-after-t4');
  const afterPointOfNoReturn = <T>(fn: () => Promise<T>) => (rollForward ? CancellationScope.nonCancellable(fn) : fn());
  if (targetRenamed) {
    // Past T4 the stream has stopped: the target's tables go into place, retried until they are
    // (neither side takes writes meanwhile). Fenced and inspected as T1 is; idempotent.
    await afterPointOfNoReturn(async () => {
      for (;;) {
        try {
          await step('T4b', () =>
            summarized(
              steps.placeTarget.renameBack,
              `T4b on ${tables.target}: ${renameClause(targetPlan, 'back')}`,
              targetPlan,
            ),
          );
          status.lastError = undefined;
          return;
        } catch (err) {
          // A refusal no activity retry heals (a lock held past the bound, a table in the way).
          status.lastError = `T4b: renaming the tables on ${tables.target} into place failed: ${errorMessage(err)}; neither side takes writes to them until it succeeds: trying again in ${T4B_RETRY_MS / 1_000} s`;
          report();
          await sleep(T4B_RETRY_MS);
        }
      }
    });
  }
  let verify: VerifyReport | undefined;
  if (rawInput.verifyBeforeRelease) {
    // The source is frozen and the target not yet released: parity must be exact.
    try {
      verify = await afterPointOfNoReturn(() =>
        step('verify', () =>
          summarized(
            steps.verify.verifyTables,
            `verify before release: checksums of ${tables.tables.length} table(s)`,
            {
              source: tables.source,
              target: tables.target,
              database: tables.database,
              targetDatabase: tables.targetDatabase,
              tables: tables.tables.map((t, i) => ({ sourceTable: oldTables[i]!, targetTable: t })),
              chunkSize: rawInput.verifyBeforeRelease!.chunkSize,
              listDifferingKeys: true,
            },
          ),
        ),
      );
    } catch (err) {
      return fail(
        'verify',
        err,
        'complete',
        'the target was not released (on-success did not run); the source tables stay renamed',
      );
    }
    if (!verify.ok) {
      return fail(
        'verify',
        verificationFailure(verify),
        'complete',
        'the target was not released (on-success did not run); the source tables stay renamed',
      );
    }
  }

  try {
    await afterPointOfNoReturn(() => step('T5', () => hook('on-success')));
  } catch (err) {
    return fail(
      'T5',
      err,
      'complete',
      `the cutover itself completed (drain GTID ${status.drainGtid}, complete flag set, stream stopped); the source tables stay renamed`,
    );
  }
  const lateAbort =
    rollForward && CancellationScope.current().consideredCancelled
      ? 'an abort came after T4, the point of no return: the cutover completed (on-success ran) instead'
      : undefined;

  result = {
    noop: false,
    drainGtid: status.drainGtid,
    appliedPosition,
    renamedTables: tables.tables.map((t, i) => ({
      from: `${tables.database}.${t}`,
      to: `${tables.database}.${oldTables[i]}`,
    })),
    stepDurationsMs,
    cutoverWindowMs,
    hooksRun,
    ...(readiness ? { readiness } : {}),
    ...(verify ? { verify } : {}),
    ...(lateAbort ? { lateAbort } : {}),
  };
  status.step = 'T6';
  return result;
}
