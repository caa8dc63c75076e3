// The `cutOver` workflow's input, status and result.
import type { Readiness, VerifyReport } from './activities.js';
import type { TablesInput } from './tables.js';

/** Defaults a move and a cutover started on its own share. */
export const CUTOVER_DEFAULTS = {
  /** gh-ost's cut-over lock timeout: while the RENAME waits, every query on the table queues behind it. */
  lockWaitTimeoutSeconds: 3,
  maxStreamLagMs: 1_000,
} as const;

export interface CutOverInput extends TablesInput {
  /** Wait at the gate for the `releaseCutOver` signal (on-begin-postponed fires once). */
  postpone?: boolean;
  /** T3 timeout; default 60. */
  drainTimeoutSeconds?: number;
  /** T3 poll interval; default 100. */
  drainPollIntervalMs?: number;
  /**
   * Longest wait of the RENAME for its metadata lock; default 3. While it waits, every query on the
   * table queues behind it: short keeps a blocked attempt cheap for the application (gh-ost: 3).
   */
  lockWaitTimeoutSeconds?: number;
  /** Readiness: the stream must apply the source's current position within this long; default 1000. */
  maxStreamLagMs?: number;
  /** Readiness: no transaction open longer than this may hold a moved table; default `lockWaitTimeoutSeconds`. */
  maxTransactionAgeSeconds?: number;
  /** Readiness: the stream workflow whose activity must not be failing (a move passes its own). */
  streamWorkflowId?: string;
  /** Per hook run; default 60. */
  hookTimeoutSeconds?: number;
  /** After a failure between T1 and T4: rename the tables back (default) or leave them renamed. */
  onFailure?: 'rollback' | 'hold';
  /** Validate nothing, change nothing, run no hook: returns at once. */
  noop?: boolean;
  /** Passed to hooks as GH_OST_HOOKS_HINT. */
  hooksHint?: string;
  /** Checksum the frozen source against the target between T4 and T5 (before the target is released). */
  verifyBeforeRelease?: { chunkSize: number };
  /**
   * The target's tables wait under their old names, kept current there by the stream (a reversible
   * move switching back, or again): once T4 has stopped the stream, step T4b renames them into place.
   */
  targetRenamed?: boolean;
  /** What this switch is, for the hooks (`GH_OST_REVERT`): `forward` (default) or `revert`. */
  direction?: 'forward' | 'revert';
}

export type CutOverStep =
  | 'validate'
  | 'postponed'
  | 'T0'
  | 'ready'
  | 'T1'
  | 'T2'
  | 'T3'
  | 'T4'
  /** A switch onto tables waiting under their old names: renamed into place (rolls forward). */
  | 'T4b'
  | 'verify'
  | 'T5'
  | 'T6'
  | 'compensating'
  | 'failed'
  | 'noop';

export interface CutOverStatus {
  step: CutOverStep;
  postponed: boolean;
  released: boolean;
  drainGtid?: string;
  appliedPosition?: string;
  lastError?: string;
}

export interface CutOverResult {
  noop: boolean;
  drainGtid?: string;
  appliedPosition?: string;
  /** `db.table` → `db._table_del` on the source. */
  renamedTables: Array<{ from: string; to: string }>;
  /** Duration of each step that ran. */
  stepDurationsMs: Partial<Record<CutOverStep, number>>;
  /** Write unavailability: T1 start to T4 done. */
  cutoverWindowMs?: number;
  hooksRun: string[];
  /** What the readiness gate saw right before T1. */
  readiness?: Readiness;
  /** Present when verified before release. */
  verify?: VerifyReport;
  /** Set when an abort (cancellation) came after T4, the point of no return: the cutover completed anyway. */
  lateAbort?: string;
}

/** Where a failed cutover left the source: what decides whether a move can try again. */
export type SourceState =
  /** Not renamed (failed before T1, or compensated): the source takes writes, the stream runs. */
  | 'unchanged'
  /** Renamed and not complete (onFailure "hold", or a failed compensation): writes fail until an operator acts. */
  | 'renamed'
  /** The cutover completed (flag set, stream stopped); a step after T4 failed. */
  | 'complete';

/** The details of a CutOverFailed failure. */
export interface CutOverFailureDetails {
  step: CutOverStep;
  sourceState: SourceState;
  drainGtid?: string;
  stepDurationsMs: Partial<Record<CutOverStep, number>>;
}
