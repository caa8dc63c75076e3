// The `cutOver` workflow's input, status and result.
import type { VerifyReport } from './activities.js';
import type { TablesInput } from './tables.js';

export interface CutOverInput extends TablesInput {
  /** Wait at the gate for the `releaseCutOver` signal (on-begin-postponed fires once). */
  postpone?: boolean;
  /** T3 timeout; default 60. */
  drainTimeoutSeconds?: number;
  /** T3 poll interval; default 100. */
  drainPollIntervalMs?: number;
  /** Longest wait of the RENAME for its metadata lock; default 10. */
  lockWaitTimeoutSeconds?: number;
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
}

export type CutOverStep =
  | 'validate'
  | 'postponed'
  | 'T0'
  | 'T1'
  | 'T2'
  | 'T3'
  | 'T4'
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
  /** Present when verified before release. */
  verify?: VerifyReport;
}
