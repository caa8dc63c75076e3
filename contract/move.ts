// The `moveTables` workflow's input, status and result, and the task queue its workers poll.
import type { VerifyReport } from './activities.js';
import type { CutOverInput, CutOverResult, CutOverStatus } from './cutover.js';
import type { TablesInput } from './tables.js';

/** The task queue the move-tables worker polls. */
export const TASK_QUEUE = 'move-tables';

/** Where the checksum verification runs; see README ("Verification") for the trade-off. */
export type VerifyMode = 'after-release' | 'before-release' | 'skip';

export interface MoveTablesInput
  extends
    TablesInput,
    Pick<
      CutOverInput,
      | 'postpone'
      | 'drainTimeoutSeconds'
      | 'drainPollIntervalMs'
      | 'lockWaitTimeoutSeconds'
      | 'hookTimeoutSeconds'
      | 'onFailure'
      | 'hooksHint'
    > {
  /** Rows per copy chunk (changeable while running with `setChunkSize`); default 5000. */
  chunkSize?: number;
  /** The copy waits while a server's Threads_running exceeds this; default 50 on each. */
  maxThreadsRunning?: { source?: number; target?: number };
  /** Cut over once the stream trails the source by less than this; default 1000. */
  maxStreamLagMs?: number;
  /** Default `after-release`. */
  verify?: VerifyMode;
  /** Rows per verification chunk; default 10000. */
  verifyChunkSize?: number;
}

export type MovePhase = 'prepare' | 'copy' | 'catch-up' | 'cutover' | 'verify' | 'done' | 'failed' | 'cancelled';

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
  /** Copy rate of the last slice. */
  rowsPerSecond: number;
  /** Copy time left at the current rate, while copying. */
  etaSeconds?: number;
  streamLagMs?: number;
  startPosition?: string;
  appliedGtid?: string;
  streamWorkflowId: string;
  cutOverWorkflowId: string;
  cutOver?: CutOverStatus;
  lastError?: string;
}

export interface MoveTablesResult {
  startPosition: string;
  rowsCopied: number;
  copySeconds: number;
  copyRowsPerSecond: number;
  cutOver: CutOverResult;
  verify?: VerifyReport;
}
