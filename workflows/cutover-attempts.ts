// A move's cutover as attempts: each attempt is a `cutOver` child of its own. An attempt that
// leaves the source unchanged does not end the move: it waits (backoff) and tries again, and when
// the attempts are used up, or an attempt left the tables renamed, it holds for an operator
// (`retryCutOver` or abort). The copy and the stream are never thrown away by a failed attempt.
import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowCancellationType,
  condition,
  isCancellation,
  ParentClosePolicy,
  patched,
  startChild,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { CutOverFailureDetails, CutOverInput, CutOverResult, SourceState } from '../contract/cutover.js';
import { VALIDATION_FAILURES, type FailureType } from '../contract/failures.js';
import { countCutOverAttempt } from './move-metrics.js';
import { oldTableName } from '../contract/identifiers.js';
import type { CutOverAttempt, MovePhase, MoveStatus } from '../contract/move.js';
import { renamePlanFor, type MovedTables } from '../contract/tables.js';
import type { RenamePlan } from '../contract/activities.js';
import { moveSourceSteps, summarized } from './activity-shapes.js';
import { moveSummary } from '../contract/move-details.js';
import { renameClause } from '../contract/rename-statement.js';
import { cutOver } from './cutover.js';
import { errorMessage, surfaced } from './failures.js';

const MAX_RETRY_DELAY_MS = 5 * 60_000;

export interface AttemptsContext {
  moveId: string;
  /**
   * A reversible move's later switch (`revert-1`, `switch-2`, …): its attempts' workflow ids and
   * hold fences are its own. Absent: the move's cutover (`<move>/cutover/<n>`).
   */
  switchId?: string;
  tables: MovedTables;
  status: MoveStatus;
  phase(next: MovePhase): void;
  /** The attempt's input (postponement applies until the move is released). */
  cutOverInput(): CutOverInput;
  /** The current attempt's handle, so signals (release) reach it. */
  onAttempt(handle: ChildWorkflowHandle<typeof cutOver>): Promise<void>;
  maxAttempts: number;
  retryDelayMs: number;
  lockWaitTimeoutSeconds: number;
  /** `retryCutOver` signals received so far. */
  retryRequests(): number;
  /** The stream's failure, once it has failed; throws it as the move's error. */
  streamFailed(): boolean;
  streamFailure(): Error;
}

type AttemptOutcome = { result: CutOverResult } | { error: unknown; sourceState: SourceState; cause: string };

export async function runCutOverAttempts(ctx: AttemptsContext): Promise<CutOverResult> {
  const { status, tables } = ctx;
  const steps = moveSourceSteps(ctx.lockWaitTimeoutSeconds);
  const renamePlan = (tag: string, fence?: Pick<RenamePlan, 'fence' | 'settles'>) =>
    renamePlanFor(tables, ctx.lockWaitTimeoutSeconds, tag, fence);
  const attempts: CutOverAttempt[] = (status.attempts = []);
  /** Each started attempt's fence (its run id, which its RENAMEs use): settled before anything acts after it. */
  const attemptFences: string[] = [];
  let allowed = ctx.maxAttempts;

  /** Runs attempt `n` to its end; a stream failure meanwhile cancels it (compensating after T1) and ends the move. */
  async function attempt(n: number): Promise<AttemptOutcome> {
    const workflowId = `${ctx.moveId}/${ctx.switchId ?? 'cutover'}/${n}`;
    const record: CutOverAttempt = { attempt: n, workflowId, startedAt: new Date().toISOString(), outcome: 'running' };
    attempts.push(record);
    status.cutOverWorkflowId = workflowId;
    delete status.cutOver;
    ctx.phase('cutover');
    const scope = new CancellationScope();
    let settled = false;
    let fence: string | undefined;
    const run = scope
      .run(async () => {
        const handle = await startChild(cutOver, {
          workflowId,
          args: [ctx.cutOverInput()],
          staticSummary: `cutover attempt ${n}: ${moveSummary(tables)}`,
          // Cancelled, not killed, with the move: between T1 and T4 the attempt compensates first.
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
        });
        fence = handle.firstExecutionRunId;
        attemptFences.push(fence);
        await ctx.onAttempt(handle);
        return handle.result();
      })
      .finally(() => {
        settled = true;
        record.endedAt = new Date().toISOString();
        if (status.cutOver) record.step = status.cutOver.step;
      });
    const settledOrStreamFailed = () => Promise.race([run.catch(() => undefined), condition(() => ctx.streamFailed())]);
    // An abort waits for the attempt: it compensates (or, past T4, completes) before the move
    // decides how it ends. (Moves started before this replay without it.)
    await (patched('abort-waits-for-attempt')
      ? CancellationScope.nonCancellable(settledOrStreamFailed)
      : settledOrStreamFailed());
    if (!settled) {
      scope.cancel();
      await run.catch(() => undefined);
      record.outcome = 'failed';
      record.cause = 'cancelled: the stream failed';
      countCutOverAttempt('failed');
      throw ctx.streamFailure();
    }
    try {
      const result = await run;
      record.outcome = 'completed';
      record.step = 'T6';
      countCutOverAttempt('completed');
      return { result };
    } catch (err) {
      if (isCancellation(err)) throw err;
      const { sourceState, step } = await classify(err, workflowId, fence);
      Object.assign(record, { outcome: 'failed', sourceState, cause: errorMessage(err), ...(step ? { step } : {}) });
      countCutOverAttempt('failed');
      return { error: surfaced(err), sourceState, cause: errorMessage(err) };
    }
  }

  /** Where a failed attempt left the source: from its CutOverFailed details, else by asking the source. */
  async function classify(
    err: unknown,
    workflowId: string,
    fence: string | undefined,
  ): Promise<Pick<CutOverFailureDetails, 'sourceState'> & { step?: CutOverFailureDetails['step'] }> {
    const inner = surfaced(err);
    if (inner instanceof ApplicationFailure) {
      if (inner.type === 'CutOverFailed') {
        const details = inner.details?.[0] as CutOverFailureDetails | undefined;
        if (details?.sourceState) return { sourceState: details.sourceState, step: details.step };
      } else if (!patched('classify-by-inspection') || VALIDATION_FAILURES.includes(inner.type as FailureType)) {
        // The cutover's own validation failed: nothing was changed.
        return { sourceState: 'unchanged', step: 'validate' };
      }
    }
    // Terminated or timed out from outside: only the source can say, once no RENAME of the
    // attempt (its T1 or a compensation it had under way) can land any more.
    const state = await summarized(
      steps.inspect.inspectRename,
      `attempt outcome: ask ${tables.source} whether the RENAME happened`,
      renamePlan(workflowId, fence === undefined ? undefined : { fence, settles: [fence] }),
    );
    return { sourceState: state === 'renamed' ? 'renamed' : 'unchanged' };
  }

  /** Between attempts: waits the backoff (a `retryCutOver` cuts it short); a stream failure ends the move. */
  async function backoff(n: number): Promise<void> {
    ctx.phase('cutover-wait');
    const delayMs = Math.min(ctx.retryDelayMs * 2 ** (n - 1), MAX_RETRY_DELAY_MS);
    status.nextAttemptAt = new Date(Date.now() + delayMs).toISOString();
    const seen = ctx.retryRequests();
    await condition(() => ctx.retryRequests() > seen || ctx.streamFailed(), delayMs);
    delete status.nextAttemptAt;
    if (ctx.streamFailed()) throw ctx.streamFailure();
  }

  /**
   * Waits for `retryCutOver`. Tables left renamed are renamed back before the next attempt, and on
   * abort (cancellation) before the move ends, so an aborted move leaves the source as it was.
   */
  async function hold(reason: string, sourceState: SourceState, afterAttempt: number): Promise<void> {
    const renamed = sourceState === 'renamed';
    status.hold = {
      reason,
      since: new Date().toISOString(),
      renamedTables: renamed
        ? tables.tables.map((t) => `${tables.database}.${oldTableName(t, tables.oldTableTemplate)}`)
        : [],
    };
    ctx.phase('holding');
    // Its own fence, and the attempts' settled first: a compensation of theirs still under way
    // must not rename back after this hold has (or after the next attempt's T1).
    const plan = renamePlan(`${ctx.moveId}/hold`, {
      fence: `${workflowInfo().firstExecutionRunId}/${ctx.switchId ? `${ctx.switchId}/` : ''}hold/${afterAttempt}`,
      settles: [...attemptFences],
    });
    const renameBack = () =>
      summarized(steps.compensate.renameBack, `rename back on ${tables.source}: ${renameClause(plan, 'back')}`, plan);
    /**
     * Never once T4 has set the flag: the stream has stopped, so a source taking writes again
     * would take them alone. (An attempt classified `renamed` by inspection may have got that far.)
     */
    const flagForbidsRenameBack = async () => {
      if (!patched('hold-reads-flag')) return false;
      const { cutOverComplete } = await summarized(
        steps.flag.readCutOverFlag,
        `before renaming back: read the cutover-complete flag on ${tables.target}`,
        tables.target,
        tables.streamId,
      );
      if (cutOverComplete)
        status.lastError = `the cutover-complete flag is set on ${tables.target}: the cutover completed (the stream stopped) and the source tables stay renamed; renaming them back would make the source writable while nothing carries its writes to the target. Route the application to the target (what on-success does), then abort the move`;
      return cutOverComplete;
    };
    /**
     * An aborted move leaves the source as it was: the tables are renamed back before it ends. A
     * rename-back that fails holds the move (renamed, saying so) until `retryCutOver` tries again,
     * rather than ending `cancelled` with the source's tables renamed.
     */
    const renameBackOnAbort = async () => {
      for (;;) {
        try {
          if (!(await flagForbidsRenameBack())) await renameBack();
          return;
        } catch (err) {
          if (!patched('abort-holds-until-renamed-back')) throw err;
          status.lastError = `aborted, but renaming the tables back failed: ${errorMessage(err)}; the move holds with them renamed: retryCutOver tries again`;
          const seen = ctx.retryRequests();
          await condition(() => ctx.retryRequests() > seen);
        }
      }
    };
    try {
      for (;;) {
        const seen = ctx.retryRequests();
        await condition(() => ctx.retryRequests() > seen || (!renamed && ctx.streamFailed()));
        if (ctx.retryRequests() === seen) throw ctx.streamFailure();
        if (!renamed) break;
        try {
          if (await flagForbidsRenameBack()) continue;
          await renameBack();
          break;
        } catch (err) {
          status.lastError = `renaming the tables back before the next attempt failed: ${errorMessage(err)}`;
        }
      }
    } catch (err) {
      if (isCancellation(err) && renamed) await CancellationScope.nonCancellable(() => renameBackOnAbort());
      throw err;
    }
    delete status.hold;
  }

  for (let n = 1; ; n++) {
    const outcome = await attempt(n);
    if ('result' in outcome) return outcome.result;
    status.lastError = outcome.cause;
    // After T4 there is nothing to retry: the cutover happened; a later step failed.
    if (outcome.sourceState === 'complete') throw outcome.error;
    if (outcome.sourceState === 'renamed') {
      await hold(`attempt ${n} left the source tables renamed: ${outcome.cause}`, 'renamed', n);
      allowed = n + 1;
    } else if (n >= allowed) {
      await hold(`${n} cutover attempt(s) failed; the last: ${outcome.cause}`, 'unchanged', n);
      allowed = n + 1;
    } else {
      await backoff(n);
    }
  }
}
