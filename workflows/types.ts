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
