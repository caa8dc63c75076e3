// Types shared by workflows, activities and clients. Pure data: no I/O, no driver imports.

/** The task queue the move-tables worker polls. */
export const TASK_QUEUE = 'move-tables';

export interface ClusterDescription {
  cluster: string;
  flavor: 'mariadb' | 'mysql';
  version: string;
  serverId: number;
  /** `@@gtid_binlog_pos` (MariaDB) or `@@gtid_executed` (MySQL). */
  gtidPosition: string;
  logBin: boolean;
  binlogFormat: string;
  binlogRowImage: string;
  binlogRowMetadata: string;
}

/** The tables of one move, validated (see `normalizeTables`). */
export interface MovedTablesSpec {
  /** Cluster names, resolved by the worker. */
  source: string;
  target: string;
  database: string;
  targetDatabase: string;
  tables: string[];
  /** Name the tables get at T1 (`{table}` is replaced): the stream accepts that RENAME. */
  oldTableTemplate: string;
  /** Identifies the stream's state row on the target; the cutover uses the same id. */
  streamId: string;
}

/** Input of the binlog stream (workflow `streamTables`, activity `streamChanges`). */
export interface StreamInput extends MovedTablesSpec {
  /** GTID position to stream from when the target holds no position for this stream yet. */
  startPosition: string;
}

export interface StreamProgress {
  appliedPosition: string;
  rowsApplied: number;
  transactionsApplied: number;
  /** Age of the oldest event read but not yet applied; 0 when caught up. */
  lagMs: number;
}

export interface StreamResult extends Omit<StreamProgress, 'lagMs'> {
  stoppedBecause: 'cut-over-complete';
}

/** What T1 and its compensation act on. */
export interface RenamePlan {
  source: string;
  database: string;
  tables: string[];
  oldTableTemplate: string;
  lockWaitTimeoutSeconds: number;
  /** Marks this cutover's statements on the source (the workflow id). */
  tag: string;
}

export type RenameOutcome = 'renamed' | 'not-renamed';

export interface DrainInput {
  target: string;
  streamId: string;
  drainGtid: string;
  pollIntervalMs: number;
  timeoutMs: number;
}

export interface DrainResult {
  appliedPosition: string;
  /** Activity attempt that saw the drain complete (> 1 after a lost worker). */
  attempts: number;
}

export type HookEvent = 'on-begin-postponed' | 'on-before-cut-over' | 'on-success' | 'on-failure';

/** What a hook is told; host and port are added by the worker from its cluster config. */
export interface HookRequest {
  event: HookEvent;
  workflowId: string;
  source: string;
  target: string;
  database: string;
  targetDatabase: string;
  tables: string[];
  oldTables: string[];
  elapsedSeconds: number;
  timeoutMs: number;
  drainGtid?: string;
  hint?: string;
  failureMessage?: string;
}

export interface HookResult {
  /** Hook files run, in order (empty: none installed). */
  ran: string[];
}

/** Pre-flight checks of a cutover; fails with a typed error before any change. */
export type CutOverCheck = MovedTablesSpec;

/** One slice of the row copy of one table (activity `copyRows`). */
export interface CopySliceInput {
  source: string;
  target: string;
  database: string;
  targetDatabase: string;
  table: string;
  streamId: string;
  chunkSize: number;
  /** The slice returns after about this long, so the workflow can report and react. */
  maxSliceMs: number;
  /** Copy waits while a server's Threads_running is above its threshold. */
  maxThreadsRunning: { source: number; target: number };
}

export interface CopySliceResult {
  table: string;
  /** Total for the table, across slices and restarts. */
  rowsCopied: number;
  estimatedRows: number;
  done: boolean;
  /** This slice's rate. */
  rowsPerSecond: number;
  throttledMs: number;
}

export interface PrepareResult {
  /** Source GTID position read before the copy: where the stream starts. */
  startPosition: string;
  /** Tables prepare created on the target (the others existed, empty). */
  createdTables: string[];
  estimatedRows: Record<string, number>;
}

export interface VerifyInput {
  source: string;
  target: string;
  database: string;
  targetDatabase: string;
  /** Frozen source table (`_t_del`) and its copy on the target. */
  tables: Array<{ sourceTable: string; targetTable: string }>;
  chunkSize: number;
}

export interface VerifyTableReport {
  table: string;
  sourceTable: string;
  sourceRows: number;
  targetRows: number;
  chunks: number;
  mismatchedChunks: number;
  /** Key ranges (after `afterKey`, up to and including `upToKey`; null: open end) that differ. */
  mismatches: Array<{ afterKey: unknown[] | null; upToKey: unknown[] | null; sourceRows: number; targetRows: number }>;
}

export interface VerifyReport {
  ok: boolean;
  tables: VerifyTableReport[];
  durationMs: number;
}

export interface StreamLagInput {
  source: string;
  target: string;
  streamId: string;
  /** Give up measuring after this long (the lag is at least this much). */
  timeoutMs: number;
}

export interface StreamLag {
  /** Time the stream took to apply the source position read at the start. */
  lagMs: number;
  caughtUp: boolean;
  appliedPosition: string;
  sourcePosition: string;
}
