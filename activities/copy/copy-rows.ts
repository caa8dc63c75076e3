// The row copy, one slice per activity call: chunks by row key (see row-key.ts), each read with SELECT ...
// FOR UPDATE in a source transaction held until the chunk is written to the target, skipping rows
// already there. While the locks are held a concurrent UPDATE or DELETE of those rows waits, so its
// binlog event (applied later by the stream) lands after the copied row: a delete cannot be
// resurrected and a newer value cannot be overwritten. A chunk is written by LOAD DATA (load-rows.ts)
// when the target allows it, else, or when the load would not store it exactly, by INSERTs. The
// workflow calls it again until done, which gives it progress to report and a point to apply pause
// and chunk-size signals.
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type mysql from 'mysql2/promise';
import type { CopySliceInput, CopySliceResult } from '../../contract/activities.js';
import { qualified } from '../../contract/identifiers.js';
import type { Clusters } from '../clusters.js';
import { averageRowLength, estimatedRows, keyColumns, keyValue, rowKeyOf, tableColumns } from '../table-info.js';
import { markCopyDone, readCopyProgress, recordChunk } from '../target/copy-progress.js';
import { isPermanentRowError, rowRejected } from '../target/rejected-rows.js';
import { copyInsertStatements } from '../target/row-apply.js';
import { acceptsLocalLoad, loadRows, loadStatement } from '../target/load-rows.js';
import { rowLine } from './row-lines.js';
import { rowLiteral } from './row-literals.js';
import { countRowsCopied } from '../move-metrics.js';
import { afterKey, decodeKey, orderBy, upToKey } from './keyset.js';

const THROTTLE_WAIT_MS = 500;
/**
 * Most bytes a chunk should hold: `chunkSize` rows of wide rows would otherwise sit in the worker's
 * memory (and a statement past max_allowed_packet). Each chunk's rows are sized from the last
 * chunk's, the first from the server's average row length.
 */
const CHUNK_BYTES = 8 * 1024 * 1024;

function rowsFitting(rowLength: number, chunkSize: number): number {
  return Math.max(1, Math.min(chunkSize, Math.floor(CHUNK_BYTES / Math.max(1, rowLength))));
}

async function threadsRunning(pool: mysql.Pool): Promise<number> {
  const [rows] = await pool.query<mysql.RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Threads_running'");
  return Number(rows[0]?.Value ?? 0);
}

/** Waits while either server runs more threads than allowed; returns the time spent waiting. */
async function throttle(
  clusters: Clusters,
  input: CopySliceInput,
  ctx: Context,
  progress: () => object,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    const [source, target] = await Promise.all([
      threadsRunning(clusters.pool(input.source)),
      threadsRunning(clusters.pool(input.target)),
    ]);
    if (source <= input.maxThreadsRunning.source && target <= input.maxThreadsRunning.target)
      return Date.now() - started;
    ctx.heartbeat({ ...progress(), throttled: { sourceThreadsRunning: source, targetThreadsRunning: target } });
    if (ctx.cancellationSignal.aborted) throw new CancelledFailure('copy cancelled');
    await sleep(THROTTLE_WAIT_MS);
  }
}

/** A load refused for a row's value is retried as INSERTs, which name the row; anything else propagates. */
function unlessRowError(err: unknown): false {
  if (isPermanentRowError(err)) return false;
  throw err;
}

/** Activity `copyRows`: one slice of the copy of one table. */
export async function copyRows(clusters: Clusters, input: CopySliceInput): Promise<CopySliceResult> {
  const ctx = Context.current();
  const started = Date.now();
  const targetPool = clusters.pool(input.target);
  const unit = { streamId: input.streamId, table: input.table, range: input.range?.index ?? 0 };
  const state = await readCopyProgress(targetPool, unit);
  let inserted = 0;
  const estimated = await estimatedRows(clusters.pool(input.source), input.database, input.table);
  const result = (copiedThisSlice: number, throttledMs: number): CopySliceResult => ({
    table: input.table,
    rowsCopied: state.rowsCopied,
    estimatedRows: Math.max(estimated, state.rowsCopied),
    done: state.done,
    rowsPerSecond: copiedThisSlice / Math.max(0.001, (Date.now() - started) / 1_000),
    throttledMs,
    rowsByInsert: inserted,
  });
  if (state.done) return result(0, 0);

  const sourcePool = clusters.pool(input.source);
  const rowKey = await rowKeyOf(sourcePool, input.database, input.table, clusters.describe(input.source));
  const columnList = await tableColumns(sourcePool, input.database, input.table);
  // Generated columns are computed by the target; the key is read apart, as pagination compares it.
  const written = columnList.filter((c) => !c.generated);
  const columns = written.map((c) => c.name);
  const key = rowKey.columns;
  const target = {
    database: input.targetDatabase,
    table: input.table,
    key: rowKey.columns,
    generated: new Set<string>(),
  };
  // Each row comes as one value built by the source (load lines, or SQL text for INSERTs), then its key.
  const keys = keyColumns(rowKey, columnList).map(keyValue);
  const selectOf = (row: string) =>
    `SELECT ${[row, ...keys].join(', ')} FROM ${qualified(input.database, input.table)}`;
  const keyOf = (row: unknown[]) => row.slice(1);
  // A range of a parallel copy: its bounds (a whole table: none).
  const rangeStart = input.range?.after === undefined ? null : decodeKey(input.range.after);
  const upTo = upToKey(key, input.range?.upTo === undefined ? null : decodeKey(input.range.upTo));
  let chunkRows = rowsFitting(await averageRowLength(sourcePool, input.database, input.table), input.chunkSize);

  const source = await clusters.connect(input.source);
  const targetConn = await clusters.connectTargetWriter(input.target);
  let copied = 0;
  let throttledMs = 0;
  try {
    const load = (await acceptsLocalLoad(targetConn))
      ? loadStatement(input.targetDatabase, input.table, written)
      : undefined;
    while (Date.now() - started < input.maxSliceMs) {
      if (ctx.cancellationSignal.aborted) throw new CancelledFailure('copy cancelled');
      throttledMs += await throttle(clusters, input, ctx, () => result(copied, throttledMs));
      const after = afterKey(key, state.lastKey ?? rangeStart);
      /** The chunk's next `limit` rows, locked until the source transaction ends. */
      const readChunk = async (row: string, limit: number) => {
        const [rows] = await source.query<mysql.RowDataPacket[]>({
          sql: `${selectOf(row)} WHERE ${after.sql} AND ${upTo.sql} ORDER BY ${orderBy(key)} LIMIT ? FOR UPDATE`,
          values: [...after.values, ...upTo.values, limit],
          rowsAsArray: true,
        });
        return rows as unknown as unknown[][];
      };
      await source.beginTransaction();
      try {
        const chunk = await readChunk(load ? rowLine(written) : rowLiteral(written), chunkRows);
        if (chunk.length === 0) {
          await source.commit();
          await markCopyDone(targetPool, unit);
          state.done = true;
          break;
        }
        const lastKey = keyOf(chunk.at(-1)!);
        const values = chunk.map((row) => row[0] as Buffer | string);
        // Lines hold the bytes, hex text about twice them: the chunk's size in memory, as held.
        const chunkBytes = values.reduce((sum, row) => sum + row.length, 0);
        chunkRows = rowsFitting(chunkBytes / chunk.length, input.chunkSize);
        await targetConn.beginTransaction();
        let first = 0;
        try {
          const loaded =
            load !== undefined && (await loadRows(targetConn, load, values as Buffer[]).catch(unlessRowError));
          if (!loaded) {
            // No LOAD DATA, or it stored a value other than exactly or refused one: INSERTs of the
            // same (still locked) rows store them exactly or name the row the target refuses.
            let literals = values as string[];
            if (load) {
              await targetConn.rollback();
              await targetConn.beginTransaction();
              literals = (await readChunk(rowLiteral(written), chunk.length)).map((row) => row[0] as string);
            }
            for (const statement of copyInsertStatements(target, columns, literals)) {
              first = statement.first;
              await targetConn.query(statement.sql);
            }
            if (load)
              ctx.log.warn(`a chunk of ${input.table} the load could not store exactly was written by INSERTs`, {
                table: input.table,
                after: state.lastKey ?? rangeStart,
                rows: chunk.length,
              });
            inserted += chunk.length;
          }
          await recordChunk(targetConn, unit, lastKey, chunk.length);
          await targetConn.commit();
        } catch (err) {
          await targetConn.rollback().catch(() => undefined);
          if (!isPermanentRowError(err)) throw err;
          // The server names the row of a multi-row INSERT it refuses ("... at row N") when it can.
          const row = Number(/at row (\d+)/.exec((err as Error).message)?.[1] ?? 0);
          const key = row > 0 ? keyOf(chunk[first + row - 1]!) : [keyOf(chunk[0]!), lastKey];
          throw rowRejected(
            {
              table: `${input.targetDatabase}.${input.table}`,
              key,
              origin: row > 0 ? 'row copy' : 'row copy, key range of the chunk',
              err,
            },
            clusters.describe(input.target),
          );
        }
        // Only now may writers touch these rows again.
        await source.commit();
        state.lastKey = lastKey;
        state.rowsCopied += chunk.length;
        copied += chunk.length;
        countRowsCopied(input.streamId, input.table, chunk.length);
      } catch (err) {
        await source.rollback().catch(() => undefined);
        throw err;
      }
      ctx.heartbeat(result(copied, throttledMs));
    }
    return result(copied, throttledMs);
  } finally {
    await Promise.all([source.end().catch(() => undefined), targetConn.end().catch(() => undefined)]);
  }
}
