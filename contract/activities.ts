// The activities' contract: every activity's name, input and output. The worker registers
// implementations of `MoveTablesActivities`; workflows proxy it. Pure types.
import type { ClusterDescription } from './clusters.js';
import type { MovedTables, TablesInput } from './tables.js';

/** Input of the binlog stream (activity `streamChanges`; workflow `streamTables` takes it unvalidated). */
export interface StreamStart {
  /** GTID position to stream from when the target holds no position for this stream yet. */
  startPosition: string;
  /**
   * Rows go to each table's old name (`oldTableTemplate`) in `targetDatabase`: the reverse stream
   * keeps the source's renamed tables current after the cutover.
   */
  intoOldTables?: boolean;
}

export type StreamInput = MovedTables & StreamStart;

/** Input of the `streamTables` workflow, validated by it into a `StreamInput`. */
export type StreamTablesInput = TablesInput & StreamStart;

export interface StreamProgress {
  appliedPosition: string;
  rowsApplied: number;
  transactionsApplied: number;
  /** Age of the oldest event read but not yet applied; 0 when caught up. */
  lagMs: number;
}

/** Activity `discardTarget`: what an aborted move created or filled on the target. */
export interface DiscardTargetInput {
  target: string;
  targetDatabase: string;
  streamId: string;
  /** Created by the move: dropped. */
  created: string[];
  /** Found empty by prepare, then filled by the move: emptied again. */
  emptied: string[];
}

/** A plain secondary key the copy leaves out, as SHOW CREATE TABLE writes it on the target. */
export interface DeferredKey {
  name: string;
  /** `KEY `name` (`a`,`b`)`: what ADD takes. */
  definition: string;
}

/** Activity `addDeferredKeys`: per table, the keys prepare left out for the copy. */
export interface AddDeferredKeysInput {
  target: string;
  targetDatabase: string;
  keys: Record<string, DeferredKey[]>;
}

/** Activity `watchStream`: the stream's health once it differs from `last` in what an operator acts on. */
export interface WatchStreamInput {
  streamWorkflowId: string;
  /** What the move last saw; absent: report at once. */
  last?: StreamHealth;
  /** Report after this long even when nothing changed (status stays this fresh at most). */
  maxWaitMs: number;
  /** A lag that moved to another range reports only after this long (a lag near a range's edge would flap). */
  lagQuietMs: number;
  /** An applied position that advanced reports after this long; absent: only with the above. */
  positionQuietMs?: number;
}

/** How the stream is doing, as Temporal sees its activity (activity `observeStream`). */
export interface StreamHealth {
  /** The stream workflow runs (false once it ended, e.g. after the cutover). */
  running: boolean;
  /** The stream activity's attempt: above 1 after a failure or a lost worker. */
  attempt: number;
  /** The stream activity failed and has not run cleanly since: its last failure, while it retries. */
  lastError?: string;
  /** From the stream's last heartbeat. */
  appliedPosition?: string;
  lagMs?: number;
  rowsApplied?: number;
  /** When the stream last reported (epoch ms). */
  reportedAt?: number;
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
  /**
   * For the inspection after a T1 whose worker went silent: the connection that T1 reported before
   * sending its RENAME. It is killed first, so a stalled T1 cannot send the RENAME later.
   */
  t1ConnectionId?: number;
  /**
   * The fence of the attempt (or hold) that renames: an id unique to it within the move. Each of its
   * RENAMEs also renames a fence table to a claim named for the direction, and whoever settles the
   * outcome without that RENAME creates the claim first: a RENAME sent later fails as a whole
   * (rename-fence.ts). Absent in plans of moves started before fences.
   */
  fence?: string;
  /** Fences of earlier attempts whose RENAMEs, either way, must never land from now on. */
  settles?: string[];
}

/** What T1 reports (heartbeat details) before it sends the RENAME. */
export interface RenameProgress {
  connectionId: number;
}

export type RenameOutcome = 'renamed' | 'not-renamed';

/** The tables whose AUTO_INCREMENT counters T3 carries over once the target has drained. */
export interface AutoIncrementSync {
  source: string;
  target: string;
  database: string;
  targetDatabase: string;
  /** The frozen source table (its T1 name) and the table it moved to. */
  tables: Array<{ sourceTable: string; targetTable: string }>;
  /**
   * How long the ALTER may wait for the target table's metadata lock (the cutover's lock-wait
   * bound; 3 s when absent): the source stays renamed meanwhile.
   */
  lockWaitTimeoutSeconds?: number;
}

export interface DrainInput {
  target: string;
  streamId: string;
  drainGtid: string;
  pollIntervalMs: number;
  timeoutMs: number;
  /** Absent in cutovers started before counters were carried over. */
  autoIncrement?: AutoIncrementSync;
}

export interface DrainResult {
  appliedPosition: string;
  /** Activity attempt that saw the drain complete (> 1 after a lost worker). */
  attempts: number;
  /** Target tables whose AUTO_INCREMENT counter was raised to the source's. */
  autoIncrementRaised?: string[];
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
  /** A reversible move's switch back is `revert` (GH_OST_REVERT=true); absent: forward. */
  direction?: 'forward' | 'revert';
}

export interface HookResult {
  /** Hook files run, in order (empty: none installed). */
  ran: string[];
}

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
  /** One key range of a table copied by several activities at once; absent: the whole table. */
  range?: CopyRange;
}

/**
 * A key range of a table's copy, with its own resume point on the target. Keys travel encoded
 * (`encodeKey`: binary parts as base64), so they pass through workflow history unchanged.
 */
export interface CopyRange {
  /** 0-based; the table's ranges are 0..n-1. */
  index: number;
  /** Rows strictly after this key; absent: from the first row. */
  after?: string;
  /** Rows up to and including this key; absent: to the last row. */
  upTo?: string;
  /** Rows the plan's walk counted in the range (absent in plans from before it counted): the copy's progress total. */
  rows?: number;
}

/** Splits a table's key space for a parallel copy (activity `planCopyRanges`). */
export interface CopyRangesInput {
  source: string;
  database: string;
  table: string;
  /** At most this many ranges; fewer for a small table. */
  ranges: number;
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
  /**
   * Rows of this slice written by INSERTs instead of LOAD DATA: all of them on a target whose
   * local_infile is OFF, else those of chunks the load could not store exactly (logged).
   */
  rowsByInsert?: number;
}

export interface PrepareResult {
  /** Source GTID position read before the copy: where the stream starts. */
  startPosition: string;
  /** Tables prepare created on the target (the others existed, empty). */
  createdTables: string[];
  estimatedRows: Record<string, number>;
  /** What the move leaves behind (views that read a moved table); absent before this field existed. */
  warnings?: string[];
  /** Per created table, the plain secondary keys left out for the copy, added once it ends. */
  deferredKeys?: Record<string, DeferredKey[]>;
}

export interface VerifyInput {
  source: string;
  target: string;
  database: string;
  targetDatabase: string;
  /** Frozen source table (`_t_del`) and its copy on the target. */
  tables: Array<{ sourceTable: string; targetTable: string }>;
  chunkSize: number;
  /** Re-read a differing chunk row by row and name its differing keys (at most 20 per chunk). */
  listDifferingKeys?: boolean;
}

export interface VerifyTableReport {
  table: string;
  sourceTable: string;
  sourceRows: number;
  targetRows: number;
  chunks: number;
  mismatchedChunks: number;
  /** Key ranges (after `afterKey`, up to and including `upToKey`; null: open end) that differ. */
  mismatches: Array<{
    afterKey: unknown[] | null;
    upToKey: unknown[] | null;
    sourceRows: number;
    targetRows: number;
    /** With `listDifferingKeys`: keys whose rows differ, or exist on one side only. */
    differingKeys?: unknown[][];
  }>;
}

export interface VerifyReport {
  ok: boolean;
  /** Verified after release (the target already took writes): a difference may be the application's. */
  afterRelease?: boolean;
  /** Compared before the cutover at one source position (the last slice's), in this many snapshot pairs and passes. */
  beforeCutOver?: { position: string; snapshots: number; passes: number };
  tables: VerifyTableReport[];
  durationMs: number;
}

/** A key range of one table still to compare: keys as keyset `encodeKey` text, null an open end. */
export interface DiffRange {
  /** The table's name on the copy side (the move's table name). */
  table: string;
  after: string | null;
  upTo: string | null;
}

/** A compared chunk whose rows differ. */
export interface DiffDifference extends DiffRange {
  liveRows: number;
  copyRows: number;
  /** Keys whose rows differ or exist on one side only (at most 20; listed for the first differences). */
  differingKeys?: unknown[][];
}

/**
 * Activity `diffTables`: the moved tables compared at one source position (aligned-snapshots.ts) while
 * the stream runs, for at most `maxSnapshotSeconds` before it returns what is left.
 */
export interface DiffInput {
  /** The side the application writes to, whose binlog the stream reads. */
  live: { cluster: string; database: string };
  /** The stream's destination, where its state lives. */
  copy: { cluster: string; database: string };
  /** Each table's name on both sides. */
  tables: Array<{ live: string; copy: string }>;
  streamId: string;
  chunkSize: number;
  maxSnapshotSeconds: number;
  /** What is left to compare, in order. */
  ranges: DiffRange[];
}

export interface DiffSlice {
  /** The source position both snapshots stood at ('' when nothing was left to compare). */
  position: string;
  /** Left to compare after this slice. */
  ranges: DiffRange[];
  /** Compared in this slice, per table (the copy's name). */
  compared: Record<string, { chunks: number; liveRows: number; copyRows: number }>;
  /** Found in this slice, in order (at most MAX_SLICE_DIFFERENCES listed). */
  differences: DiffDifference[];
  /** Tables with more differing chunks in this slice than are listed: a re-check compares them whole. */
  unlisted: string[];
  /** Chunks a lost attempt of this slice had compared (its heartbeat): they were not compared again. */
  resumedAfterChunks: number;
}

/** Checked right before T1 (activity `checkReadiness`): fails with NotReady naming what is not. */
export interface ReadinessInput {
  source: string;
  target: string;
  database: string;
  tables: string[];
  streamId: string;
  /** The stream must apply the source's current position within this long. */
  maxStreamLagMs: number;
  /** No transaction open longer than this may hold a moved table (on the source, and on the target). */
  maxTransactionAgeSeconds: number;
  /** The moved tables' database on the target (absent in cutovers started before the target was checked). */
  targetDatabase?: string;
  /** The stream workflow, when known (a move's): its activity must not be failing. */
  streamWorkflowId?: string;
  /** The tables' names on the target when not `tables` (they wait under their old names). */
  targetTables?: string[];
}

export interface Readiness {
  /** The source position the stream was seen to apply, and how long that took. */
  sourcePosition: string;
  lagMs: number;
  /** Checks that could not run (e.g. no metadata-lock view on the server). */
  notes: string[];
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

/** Every activity the worker registers, by name. */
export interface MoveTablesActivities {
  // Preflight and prepare.
  describeCluster(name: string): Promise<ClusterDescription>;
  validateCutOver(input: ValidateInput): Promise<void>;
  prepareMove(input: PrepareInput): Promise<PrepareResult>;
  // Copy, stream, catch-up, verify.
  planCopyRanges(input: CopyRangesInput): Promise<CopyRange[]>;
  copyRows(input: CopySliceInput): Promise<CopySliceResult>;
  streamChanges(input: StreamInput): Promise<StreamResult>;
  measureStreamLag(input: StreamLagInput): Promise<StreamLag>;
  observeStream(streamWorkflowId: string): Promise<StreamHealth>;
  discardTarget(input: DiscardTargetInput): Promise<void>;
  addDeferredKeys(input: AddDeferredKeysInput): Promise<void>;
  watchStream(input: WatchStreamInput): Promise<StreamHealth>;
  verifyTables(input: VerifyInput): Promise<VerifyReport>;
  diffTables(input: DiffInput): Promise<DiffSlice>;
  // The cutover.
  checkReadiness(input: ReadinessInput): Promise<Readiness>;
  runHooks(request: HookRequest): Promise<HookResult>;
  /** T1; `renamedOn`: the server it ran on (absent from workers before it was reported). */
  renameSourceTables(plan: RenamePlan): Promise<{ renamedOn: string } | void>;
  inspectRename(plan: RenamePlan): Promise<RenameOutcome>;
  renameBack(plan: RenamePlan): Promise<{ renamedBack: boolean }>;
  captureDrainGtid(source: string, renamedOn?: string): Promise<string>;
  awaitDrain(input: DrainInput): Promise<DrainResult>;
  setCutOverComplete(target: string, streamId: string, drainGtid: string): Promise<void>;
  readCutOverFlag(target: string, streamId: string): Promise<CutOverFlag>;
  restartStream(cluster: string, streamId: string, startPosition: string): Promise<void>;
  dropStandbyTables(input: DropStandbyInput): Promise<{ dropped: string[] }>;
}

/** The stream's cutover-complete flag (T4), and the target's position T4 read with it. */
export interface CutOverFlag {
  cutOverComplete: boolean;
  /**
   * The target's GTID position read in T4's transaction, before the flag: the application writes to
   * the target only after on-success (T5), so a reverse stream from here misses none of its writes
   * and replays none of the forward stream's. Absent on flags set before it was recorded.
   */
  reverseStart?: string;
}

/**
 * Activity `prepareMove`: the moved tables, whether the move keeps the source current after its
 * cutover, and whether the copy defers secondary keys.
 */
export type PrepareInput = MovedTables & {
  reversible?: boolean;
  /** Create the tables without their plain secondary keys, for `addDeferredKeys` after the copy. */
  deferSecondaryKeys?: boolean;
};

/** Activity `validateCutOver`: the moved tables, and whether the target's tables wait under their old names. */
export type ValidateInput = MovedTables & { targetRenamed?: boolean };

/** Activity `dropStandbyTables`: a completed reversible move's renamed tables on its standby side. */
export interface DropStandbyInput {
  cluster: string;
  database: string;
  /** The moved names: the tables dropped are their old names (`oldTableTemplate`). */
  tables: string[];
  oldTableTemplate: string;
}
