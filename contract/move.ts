// The `moveTables` workflow's input, status and result, and the task queue its workers poll.
import type { CopyRange, CopySliceResult, PrepareResult, StreamHealth, VerifyReport } from './activities.js';
import type { CutOverInput, CutOverResult, CutOverStatus, CutOverStep, SourceState } from './cutover.js';
import type { TablesInput } from './tables.js';

/** The task queue the move-tables worker polls. */
export const TASK_QUEUE = 'move-tables';

/** Where the checksum verification runs; see docs/moving-tables.md ("Verification") for the trade-off. */
export type VerifyMode = 'before-cutover' | 'after-release' | 'before-release' | 'skip';
export const VERIFY_MODES: readonly VerifyMode[] = ['before-cutover', 'after-release', 'before-release', 'skip'];

export interface MoveTablesInput
  extends
    TablesInput,
    Pick<
      CutOverInput,
      | 'postpone'
      | 'drainTimeoutSeconds'
      | 'drainPollIntervalMs'
      | 'lockWaitTimeoutSeconds'
      | 'maxTransactionAgeSeconds'
      | 'hookTimeoutSeconds'
      | 'onFailure'
      | 'hooksHint'
    > {
  /** Rows per copy chunk (changeable while running with `setChunkSize`); default 5000. */
  chunkSize?: number;
  /**
   * Key ranges of a table copied at once, each its own activity (several workers can share a
   * table) with its own resume point; default 1. Small tables get fewer ranges.
   */
  copyConcurrency?: number;
  /**
   * Tables the move creates are copied without their plain secondary keys, which are then built
   * once, online, before the catch-up (what a load maintaining them row by row costs the target far
   * more); default true. Unique keys, and tables with foreign keys, are always created whole.
   */
  deferSecondaryKeys?: boolean;
  /** The copy waits while a server's Threads_running exceeds this; default 50 on each. */
  maxThreadsRunning?: { source?: number; target?: number };
  /** Cut over once the stream trails the source by less than this (checked again right before each T1); default 1000. */
  maxStreamLagMs?: number;
  /** Cutover attempts before the move holds for an operator; default 5. */
  cutOverAttempts?: number;
  /** Wait before the second attempt, doubled for each further one (at most 5 minutes); default 10. */
  cutOverRetryDelaySeconds?: number;
  /**
   * Default `before-cutover`: both sides compared at one source position once the copy has caught
   * up, before the first attempt renames anything; a difference holds the move for an operator.
   */
  verify?: VerifyMode;
  /** Rows per verification chunk; default 10000. */
  verifyChunkSize?: number;
  /**
   * `before-cutover`: the longest a pair of snapshots stays open; the comparison then goes on from
   * its last compared key with fresh ones (as VDiff's max-diff-duration); default 30.
   */
  verifyMaxSnapshotSeconds?: number;
  /**
   * An aborted move drops the target tables it created, empties those it found empty, and forgets
   * its state there, so the next move of the tables just works; true keeps them as they are.
   */
  keepTargetOnAbort?: boolean;
  /**
   * A copy whose run has this many history events continues as new (Temporal's limit is 51,200;
   * it also does so when the server suggests it); default 10000.
   */
  historyEventsBeforeContinueAsNew?: number;
  /**
   * After the cutover, a reverse stream applies the application's writes on the target to the
   * source's renamed tables, and the move stays open (phase `on-target`): `revertCutOver` switches
   * the application back by the same protocol (`on-source`), `releaseCutOver` switches it again,
   * until `completeMove` or `completeAfterSeconds`. Default true (prepare then checks the reverse
   * path: the target's binlog, the grants); false ends the move at its cutover, the source tables
   * left frozen (docs/moving-tables.md, "After the cutover").
   */
  reversible?: boolean;
  /** A reversible move left open completes by itself after this long in `on-target`; default 7 days, at most 30. */
  completeAfterSeconds?: number;
  /** Set by the move itself when it continues as new during its copy: where the new run picks up. */
  resume?: MoveResume;
}

/** A move's state carried to its next run (continue-as-new during the copy). */
export interface MoveResume {
  prepared: PrepareResult;
  /** Progress so far, the operator's pause and chunk size. */
  status: Pick<MoveStatus, 'tables' | 'rowsCopied' | 'estimatedRows' | 'paused' | 'chunkSize'>;
  /** Workflow time the copy began, so its rate and duration span every run. */
  copyStartedAt: number;
  /** Key ranges planned for a parallel copy (progress on the target is kept per range). */
  copyPlans: Record<string, CopyRange[]>;
  /**
   * Per table of a parallel copy, each range's last slice (null: none yet): a range that finished is not
   * copied again, and progress counts it from the start of the new run. Absent in moves handed over before it.
   */
  copyLastSlices?: Record<string, Array<CopySliceResult | null>>;
  /** `releaseCutOver` arrived before the cutover. */
  released: boolean;
  /** Runs before this one. */
  runs: number;
}

export type MovePhase =
  | 'prepare'
  | 'copy'
  | 'catch-up'
  | 'cutover'
  /** Between cutover attempts: the stream runs, the next attempt starts at `nextAttemptAt`. */
  | 'cutover-wait'
  /** Waiting for an operator: `retryCutOver` or abort (see `hold`). */
  | 'holding'
  | 'verify'
  /** A reversible move after its cutover: the application on the target, the source kept current. */
  | 'on-target'
  /** A reversible move after a revert: the application on the source, the target kept current. */
  | 'on-source'
  | 'done'
  | 'failed'
  | 'cancelled';

/** One cutover attempt: a `cutOver` child workflow of its own. */
export interface CutOverAttempt {
  attempt: number;
  workflowId: string;
  startedAt: string;
  endedAt?: string;
  /** The furthest step reached: live from the attempt's reports, final from its outcome. */
  step?: CutOverStep;
  outcome: 'running' | 'completed' | 'failed';
  /** Where a failed attempt left the source. */
  sourceState?: SourceState;
  cause?: string;
}

/** Why the move waits for an operator, and what the source looks like meanwhile. */
export interface MoveHold {
  reason: string;
  since: string;
  /** Source tables under their T1 names while holding (writes to the moved tables fail); empty: the source is unchanged. */
  renamedTables: string[];
}

export interface TableCopyStatus {
  rowsCopied: number;
  estimatedRows: number;
  done: boolean;
}

export interface MoveStatus {
  phase: MovePhase;
  paused: boolean;
  chunkSize: number;
  tables: Record<string, TableCopyStatus>;
  rowsCopied: number;
  estimatedRows: number;
  /** Rows copied per second of copy so far (the result's `copyRowsPerSecond` when the copy ends). */
  rowsPerSecond: number;
  /** Copy time left at that rate, while copying. */
  etaSeconds?: number;
  streamLagMs?: number;
  startPosition?: string;
  appliedGtid?: string;
  streamWorkflowId: string;
  cutOverWorkflowId: string;
  cutOver?: CutOverStatus;
  /** Every cutover attempt, oldest first (moves started before attempts existed have none). */
  attempts?: CutOverAttempt[];
  /** Between attempts: when the next one starts. */
  nextAttemptAt?: string;
  /** While holding. */
  hold?: MoveHold;
  /** The stream as last observed (refreshed every few seconds around the cutover). */
  stream?: StreamHealth & { observedAt: string };
  /** What prepare found the move leaves behind (views that read a moved table). */
  warnings?: string[];
  /** The comparison at one source position (verify `before-cutover`), while and after it runs. */
  verification?: VerificationStatus;
  /** The secondary keys the copy left out, built once its rows are in (the last part of `copy`). */
  deferredKeys?: { state: 'adding' | 'added'; keys: number; tables: number; seconds?: number };
  /** Earlier runs of this move (it continues as new during long copies). */
  previousRuns?: number;
  /** Which side the application uses: the source until the cutover completes (T4), the target after. */
  liveSide?: 'source' | 'target';
  /** A reversible move after its cutover: the standby side and its stream. */
  standby?: StandbyStatus;
  /** A reversible move's switches after its cutover (reverts and cutovers again). */
  switches?: MoveSwitch[];
  lastError?: string;
}

/** A comparison of both sides at one source position: its progress, and what it found. */
export interface VerificationStatus {
  /** The move's own, before its cutover (`verify: "before-cutover"`), or an operator's `verifyMove`. */
  trigger: 'before-cutover' | 'on-demand';
  /** Live side → the side its stream keeps (`source → target` before the cutover). */
  direction: string;
  /** An on-demand comparison's `requestId`, when it gave one. */
  requestId?: string;
  /** `refused`: an on-demand comparison that cannot run now (`reason`); `failed`: one that could not finish. */
  state: 'comparing' | 'differs' | 'equal' | 'refused' | 'failed';
  reason?: string;
  /** 1, then one more for each re-check of what differed. */
  pass: number;
  startedAt: string;
  /** Rows of the live side compared in this pass, their rate and the time left at that rate. */
  rowsCompared: number;
  estimatedRows: number;
  rowsPerSecond: number;
  etaSeconds?: number;
  /** Snapshot pairs opened so far (one per slice), the last one's source position. */
  snapshots: number;
  position?: string;
  /** Chunks lost workers had compared that were not compared again (a slice went on from its heartbeat). */
  resumedChunks: number;
  /** Per table, in the last pass: chunks that differ and the first differing keys. */
  differences: Record<string, { chunks: number; keys: unknown[][] }>;
}

/** A reversible move after its cutover: the side the application does not use, kept current by a stream. */
export interface StandbyStatus {
  /** The source while the application is on the target; the target after a revert. */
  side: 'source' | 'target';
  /** The stream from the live side into the standby side's renamed tables. */
  streamWorkflowId: string;
  /** The live side's position at the last switch's T4, where that stream started. */
  startPosition: string;
  /** When the move completes by itself (`completeAfterSeconds`). */
  completeAt: string;
  /** As last observed: applied position, lag, a failure (the standby side is then no longer current). */
  stream?: StreamHealth & { observedAt: string };
}

/** One switch of a reversible move after its cutover. */
export interface MoveSwitch {
  direction: 'revert' | 'forward';
  /** The cutover attempt that completed it. */
  workflowId: string;
  drainGtid?: string;
  at: string;
}

/** How a reversible move's time after its cutover ended. */
export interface AfterCutOverResult {
  /** Where the application was when the move ended. */
  liveSide: 'source' | 'target';
  switches: MoveSwitch[];
  completedBecause: 'complete' | 'complete-after' | 'abort';
  /** The standby side's renamed tables dropped at `completeMove` (`dropStandbyTables`). */
  droppedTables?: string[];
  /** The standby stream when the move ended: its start, last applied position as observed, error. */
  standby?: {
    side: 'source' | 'target';
    streamWorkflowId: string;
    startPosition: string;
    appliedPosition?: string;
    streamError?: string;
  };
}

export interface MoveTablesResult {
  startPosition: string;
  rowsCopied: number;
  copySeconds: number;
  copyRowsPerSecond: number;
  cutOver: CutOverResult;
  verify?: VerifyReport;
  /** A reversible move's time after its cutover. */
  afterCutOver?: AfterCutOverResult;
}
