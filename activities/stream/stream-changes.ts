// The stream applier activity: reads the source binlog from the position stored on the target,
// applies row changes of the moved tables to the target idempotently, and commits the applied
// position in the same transaction as the rows. Heartbeats its progress; resumes from the target's
// stored position when retried; returns once the cut-over-complete flag (T4) is set. A verification
// may hold it at a source position (stream-hold.ts): it then applies nothing past that position.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CancelledFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import ZongJi from '@vlasky/zongji';
import type mysql from 'mysql2/promise';
import type { StreamInput, StreamProgress, StreamResult } from '../../contract/activities.js';
import { oldTableName } from '../../contract/identifiers.js';
import { serverFlavor, type Clusters } from '../clusters.js';
import { holdPrepared, takePrepared } from '../target/pending-xa.js';
import { keyOf, opGroups, statementsFor, type RowOp, type TargetTable } from '../target/row-apply.js';
import { applyGroup, formattedGroup } from '../target/unique-conflicts.js';
import { claimStream, registerStream, saveAppliedPosition } from '../target/stream-state.js';
import { acknowledgeHold, readStreamControl } from '../target/stream-hold.js';
import { readTargetTables } from '../table-info.js';
import { AppliedPosition, resumePosition } from './gtid.js';
import { admitWithin } from './hold-admission.js';
import { isPermanentRowError, rowRejected, type RejectedRow } from '../target/rejected-rows.js';
import { countEventsApplied, setStreamLag } from '../move-metrics.js';
import { binlogReadError } from './stream-errors.js';
import { TransactionAssembler, type CompletedTransaction, type XaStep } from './transaction-assembler.js';

/** Rows (and bytes) per target transaction: large enough to amortize commits, small enough to stay brief. */
const MAX_BATCH_ROWS = 5_000;
const MAX_BATCH_BYTES = 16 * 1024 * 1024;
/** Queued rows or bytes at which the binlog connection pauses (memory bound: wide rows count by size), and resumes. */
const PAUSE_AT_ROWS = 10_000;
const RESUME_AT_ROWS = 2_500;
const PAUSE_AT_BYTES = 8 * 1024 * 1024;
const RESUME_AT_BYTES = 2 * 1024 * 1024;
const FLAG_CHECK_MS = 200;
/** While held: the stream waits anyway, and a verification waits for it to move or to be let go. */
const HOLD_CHECK_MS = 20;
const HEARTBEAT_MS = 1_000;
const IDLE_WAIT_MS = 10;

/** A replica server id unique to the stream: a second attempt evicts a stale first one. */
export function replicaServerId(streamId: string): number {
  let hash = 2166136261;
  for (const ch of streamId) hash = Math.imul(hash ^ ch.codePointAt(0)!, 16777619) >>> 0;
  return 1_000_000 + (hash % 1_000_000_000);
}

interface QueuedTransaction {
  ops: RowOp[];
  /** GTIDs this entry completes (several when transactions without moved rows are coalesced; none for a part of one). */
  gtids: string[];
  /** A part of a transaction: the GTID it belongs to. */
  partOf?: string;
  timestamp: number;
  xa?: XaStep;
  /** Size of its rows (rowBytes). */
  bytes: number;
}

export async function streamChanges(clusters: Clusters, input: StreamInput): Promise<StreamResult> {
  const ctx = Context.current();
  const target = await clusters.connectTargetWriter(input.target);
  let zongji: ZongJi | undefined;
  try {
    await registerStream(target, input.streamId, input.startPosition);
    // This attempt becomes the stream's only writer; a stale one still alive stops at its next batch.
    const owner = `attempt ${ctx.info.attempt} ${randomUUID()}`;
    const state = await claimStream(target, input.streamId, owner);
    if (state.cutOverComplete)
      return {
        appliedPosition: state.appliedPosition,
        rowsApplied: 0,
        transactionsApplied: 0,
        stoppedBecause: 'cut-over-complete',
      };
    const flavor = await serverFlavor(clusters.pool(input.source));
    // Each moved table's rows go to its own name, or (the reverse stream) to its old one.
    const destination = (t: string) => (input.intoOldTables ? oldTableName(t, input.oldTableTemplate) : t);
    const read = await readTargetTables(target, input.targetDatabase, input.tables.map(destination));
    const targets = new Map(input.tables.map((t) => [t, read.get(destination(t))!]));
    const applied = AppliedPosition.parse(state.appliedPosition, flavor);
    const renames = new Map(input.tables.map((t) => [t, oldTableName(t, input.oldTableTemplate)]));

    const queue: QueuedTransaction[] = [];
    let queuedRows = 0;
    let queuedBytes = 0;
    let fatal: unknown;
    let paused = false;
    const enqueue = (tx: CompletedTransaction) => {
      const last = queue.at(-1);
      const gtids = tx.gtid === undefined ? [] : [tx.gtid];
      // Transactions on other tables only move the position: coalesce them.
      if (tx.ops.length === 0 && !tx.xa && last && last.ops.length === 0 && !last.xa) {
        last.gtids.push(...gtids);
        return;
      }
      queue.push({
        ops: tx.ops,
        gtids,
        timestamp: tx.timestamp,
        bytes: tx.bytes,
        ...(tx.partOf ? { partOf: tx.partOf } : {}),
        ...(tx.xa ? { xa: tx.xa } : {}),
      });
      queuedRows += tx.ops.length;
      queuedBytes += tx.bytes;
      // Paused as the queue fills, not after the next apply: the reader parses events while an
      // apply waits on the target, and one big transaction would fill memory meanwhile.
      if (!paused && (queuedRows >= PAUSE_AT_ROWS || queuedBytes >= PAUSE_AT_BYTES)) {
        zongji?.connection?.pause();
        paused = true;
      }
    };
    const assembler = new TransactionAssembler({ database: input.database, renames }, targets, enqueue);

    zongji = new ZongJi(await clusters.settledConnectionOptions(input.source));
    const stream = zongji;
    const ready = new Promise<void>((resolve, reject) => {
      stream.once('ready', () => resolve());
      stream.once('error', reject);
    });
    const readError = (err: unknown) =>
      binlogReadError(
        clusters.connectionError(input.source, err),
        state.appliedPosition,
        clusters.describe(input.source),
      );
    stream.on('error', (err: Error) => {
      fatal ??= readError(err);
    });
    stream.on('binlog', (event) => {
      if (fatal) return;
      try {
        assembler.handle(event as never);
      } catch (err) {
        fatal = err;
      }
    });
    stream.start({
      serverId: replicaServerId(input.streamId),
      gtidSet: resumePosition(state.appliedPosition),
      includeEvents: ['gtid', 'mariadbgtid', 'query', 'xid', 'tablemap', 'writerows', 'updaterows', 'deleterows'],
      includeSchema: { [input.database]: [...input.tables, ...renames.values()] },
    });
    await ready.catch((err: unknown) => {
      throw readError(err);
    });
    const targetName = clusters.describe(input.target);

    const progress: StreamProgress = {
      appliedPosition: state.appliedPosition,
      rowsApplied: 0,
      transactionsApplied: 0,
      lagMs: 0,
    };
    const apply = (batch: QueuedTransaction[]) =>
      applyBatch(target, input, owner, targets, applied, batch, progress, targetName);
    let lastFlagCheck = 0;
    let lastHeartbeat = 0;
    /** A verification's hold: the last source position this stream may apply. */
    let holdAt: string | undefined;
    for (;;) {
      if (fatal) throw fatal;
      if (ctx.cancellationSignal.aborted) throw new CancelledFailure('stream cancelled');
      const now = Date.now();
      if (now - lastFlagCheck >= (holdAt === undefined ? FLAG_CHECK_MS : HOLD_CHECK_MS)) {
        lastFlagCheck = now;
        const control = await readStreamControl(target, input.streamId);
        if (control?.cutOverComplete) {
          await apply(queue.splice(0));
          return { ...progress, stoppedBecause: 'cut-over-complete' };
        }
        holdAt = control?.hold?.at;
        // Between batches: nothing past the hold is applied from here on.
        if (control?.hold && control.hold.heldAt === null)
          await acknowledgeHold(target, input.streamId, control.hold.at, progress.appliedPosition);
      }
      if (now - lastHeartbeat >= HEARTBEAT_MS) {
        lastHeartbeat = now;
        // The oldest change read and not applied: queued, or still being read (a huge transaction
        // is handed on in parts, and between parts nothing may be queued).
        const oldest = queue[0]?.timestamp ?? assembler.openSince();
        progress.lagMs = oldest === undefined ? 0 : Math.max(0, now - oldest);
        setStreamLag(input.streamId, progress.lagMs);
        ctx.heartbeat(progress);
      }
      if (queue.length === 0) {
        await sleep(IDLE_WAIT_MS);
        continue;
      }
      let rows = 0;
      let bytes = 0;
      let take = 0;
      while (
        take < queue.length &&
        (take === 0 ||
          (rows + queue[take]!.ops.length <= MAX_BATCH_ROWS && bytes + queue[take]!.bytes <= MAX_BATCH_BYTES)) &&
        (holdAt === undefined || admitWithin(queue, take, holdAt))
      ) {
        rows += queue[take]!.ops.length;
        bytes += queue[take++]!.bytes;
      }
      if (take === 0) {
        // Held: what is queued comes after the hold's position.
        await sleep(IDLE_WAIT_MS);
        continue;
      }
      await apply(queue.splice(0, take));
      queuedRows -= rows;
      queuedBytes -= bytes;
      if (paused && queuedRows <= RESUME_AT_ROWS && queuedBytes <= RESUME_AT_BYTES) {
        stream.connection?.resume();
        paused = false;
      }
    }
  } finally {
    await stopZongji(zongji);
    await target.end().catch(() => undefined);
  }
}

/**
 * One target transaction: the batch's rows, then the position they bring the target to (computed
 * once per batch: serialising a large GTID set per transaction would cost on the hot path). A
 * failure ends the activity, whose retry starts again from the position stored on the target; a
 * row the target refuses for good ends it with RowRejected naming that row.
 */
async function applyBatch(
  target: mysql.Connection,
  input: StreamInput,
  owner: string,
  targets: ReadonlyMap<string, TargetTable>,
  applied: AppliedPosition,
  batch: QueuedTransaction[],
  progress: StreamProgress,
  targetName: string,
): Promise<void> {
  if (batch.length === 0) return;
  for (const tx of batch) for (const gtid of tx.gtids) applied.add(gtid);
  const position = applied.toString();
  let rows = 0;
  await target.beginTransaction();
  try {
    await saveAppliedPosition(target, input.streamId, position, owner);
    // Runs of plain transactions share multi-row statements; XA steps go one by one, in order.
    let run: RowOp[] = [];
    const flush = async () => {
      const groups = opGroups(run);
      let next = groups.length > 0 ? formattedGroup(target, groups[0]!) : '';
      for (let i = 0; i < groups.length; i++) {
        // Sent before the next group is escaped: the worker's escaping overlaps the target's apply.
        const applying = applyGroup(target, groups[i]!, next);
        // Awaited below; a failure to format meanwhile must not leave it unobserved.
        applying.catch(() => undefined);
        if (i + 1 < groups.length) next = formattedGroup(target, groups[i + 1]!);
        for (const evicted of await applying) {
          // Keys only: row values never reach the logs.
          Context.current().log.info(
            'a replayed row image took a unique value from a newer row, which a later event writes again',
            {
              ...evicted,
            },
          );
        }
      }
      rows += run.length;
      run = [];
    };
    for (const tx of batch) {
      if (!tx.xa) {
        run.push(...tx.ops);
        continue;
      }
      await flush();
      if (tx.xa.phase === 'prepare') {
        await holdPrepared(target, input.streamId, tx.xa.xid, tx.ops);
      } else {
        const prepared = await takePrepared(target, input.streamId, tx.xa.xid, targets);
        if (tx.xa.phase === 'commit') {
          run = prepared;
          await flush();
        }
      }
    }
    await flush();
    await target.commit();
  } catch (err) {
    await target.rollback().catch(() => undefined);
    if (!isPermanentRowError(err)) throw err;
    const rejected = await findRejectedRow(target, batch);
    // Not found one by one (a row of a committed XA transaction): still no retry can help.
    throw rejected
      ? rowRejected(rejected, targetName)
      : rowRejected({ table: '(a row of this batch)', key: [], origin: 'stream', err }, targetName);
  }
  progress.appliedPosition = position;
  progress.rowsApplied += rows;
  countEventsApplied(input.streamId, rows);
  progress.transactionsApplied += batch.length;
}

/** Applies the batch's ops one at a time (rolled back) to name the first row the target refuses. */
async function findRejectedRow(target: mysql.Connection, batch: QueuedTransaction[]): Promise<RejectedRow | undefined> {
  await target.beginTransaction();
  try {
    for (const tx of batch.filter((t) => !t.xa)) {
      for (const op of tx.ops) {
        const [statement] = statementsFor([op]);
        try {
          await target.query(statement!.sql, statement!.values);
        } catch (err) {
          if (!isPermanentRowError(err)) throw err;
          return {
            table: `${op.table.database}.${op.table.table}`,
            key: keyOf(op.table, op.row),
            origin: `source GTID ${tx.gtids.at(-1)}`,
            err,
          };
        }
      }
    }
    return undefined;
  } finally {
    await target.rollback().catch(() => undefined);
  }
}

async function stopZongji(zongji: ZongJi | undefined): Promise<void> {
  if (!zongji || zongji.stopped) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 5_000);
    zongji.once('stopped', () => {
      clearTimeout(timer);
      resolve();
    });
    zongji.stop();
  });
}
