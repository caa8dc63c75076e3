// The row copy, one slice per activity call: chunks by row key (see row-key.ts), each read with SELECT ...
// FOR UPDATE in a source transaction held until the chunk is written to the target, skipping rows
// already there. While the locks are held a concurrent UPDATE or DELETE of those rows waits, so its
// binlog event (applied later by the stream) lands after the copied row: a delete cannot be
// resurrected and a newer value cannot be overwritten. A chunk is written by LOAD DATA (load-rows.ts)
// when the target allows it, else, or when the load would not store it exactly, by INSERTs. Two
// source sessions take turns so the next chunk is read while this one is written (a copy of one
// range keeps both servers busy); the target still writes chunk after chunk in key order. The
// workflow calls it again until done, which gives it progress to report and a point to apply pause
// and chunk-size signals.
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type mysql from 'mysql2/promise';
import type { CopySliceInput, CopySliceResult } from '../../contract/activities.js';
import { qualified } from '../../contract/identifiers.js';
import { connectAll, type Clusters } from '../clusters.js';
import {
  averageRowLength,
  estimatedRows,
  keyColumns,
  keyPart,
  keyValue,
  rowKeyOf,
  tableColumns,
} from '../table-info.js';
import { markCopyDone, readCopyProgress, recordChunk } from '../target/copy-progress.js';
import { failure } from '../../contract/failures.js';
import { asServerError, isPermanentRowError, rowRejected } from '../target/rejected-rows.js';
import { copyInsertStatements } from '../target/row-apply.js';
import { acceptsLocalLoad, loadRows, loadStatement } from '../target/load-rows.js';
import { LineBuffer, readLines } from './read-lines.js';
import { throttleGate } from './throttle.js';
import { lineField, printsPlain } from './row-lines.js';
import { rowLiteral } from './row-literals.js';
import { countRowsCopied } from '../move-metrics.js';
import { afterKey, decodeKey, orderBy, upToKey, type Condition, type Key } from './keyset.js';

/** ER_TRANS_CACHE_FULL: a transaction larger than the target's max_binlog_cache_size. */
const BINLOG_CACHE_FULL = 1197;

/**
 * Most bytes a chunk should hold: `chunkSize` rows of wide rows would otherwise sit in the worker's
 * memory (and a statement past max_allowed_packet). Each chunk's rows are sized from the last
 * chunk's, the first from the server's average row length.
 */
const CHUNK_BYTES = 8 * 1024 * 1024;

function rowsFitting(rowLength: number, chunkSize: number): number {
  return Math.max(1, Math.min(chunkSize, Math.floor(CHUNK_BYTES / Math.max(1, rowLength))));
}

/** A load refused for a row's value is retried as INSERTs, which name the row; anything else propagates. */
function unlessRowError(err: unknown): false {
  if (isPermanentRowError(err)) return false;
  throw err;
}

/** A chunk read in its own source transaction, its rows locked until that transaction ends. */
interface LockedChunk {
  conn: mysql.Connection;
  /** The key it follows (null: the range's start). */
  from: Key | null;
  after: Condition;
  rows: number;
  /** What the chunk holds in memory. */
  bytes: number;
  /** Keys of its first and last row (undefined: no row left). */
  firstKey?: Key;
  lastKey?: Key;
  /** The rows as load lines, or (no LOAD DATA) as SQL text each followed by its key. */
  lines?: Buffer;
  literals?: unknown[][];
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
  // Bound in each key column's own type (keyset.ts KeyPart): the comparison is exact on any server.
  const keyParts = keyColumns(rowKey, columnList).map(keyPart);
  const target = {
    database: input.targetDatabase,
    table: input.table,
    key: rowKey.columns,
    generated: new Set<string>(),
  };
  // Each row comes as its line's fields (LOAD DATA) or one value of SQL text (INSERTs), then its key.
  const keys = keyColumns(rowKey, columnList).map(keyValue);
  const selectOf = (row: string) =>
    `SELECT ${[row, ...keys].join(', ')} FROM ${qualified(input.database, input.table)}`;
  const lineFields = written.map(lineField).join(', ');
  const plainFields = written.map(printsPlain);
  const keyOf = (row: unknown[]) => row.slice(1);
  // A range of a parallel copy: its bounds (a whole table: none).
  const rangeStart = input.range?.after === undefined ? null : decodeKey(input.range.after);
  const upTo = upToKey(keyParts, input.range?.upTo === undefined ? null : decodeKey(input.range.upTo));
  // A row's bytes as read (the server's average until a chunk has been read), and so a chunk's rows.
  let rowBytes = Math.max(1, await averageRowLength(sourcePool, input.database, input.table));
  let chunkRows = rowsFitting(rowBytes, input.chunkSize);
  /** Rows a chunk may hold at most: lowered when the target's binlog cache cannot hold a chunk. */
  let rowsCap = Number.MAX_SAFE_INTEGER;

  // Two source sessions take turns: the next chunk is read (and locked) while this one is written.
  const conns = await connectAll([
    () => clusters.connectTargetWriter(input.target),
    // REPEATABLE READ whatever the server's default: the locking reads then lock the gaps between
    // a chunk's rows too, so no row can be inserted inside a held chunk. A chunk read again for
    // INSERTs (its load stored a value other than exactly) is read by count, and under READ
    // COMMITTED such an insert would push its last rows out of it.
    () => clusters.connectRepeatableRead(input.source),
    () => clusters.connectRepeatableRead(input.source),
  ]);
  const targetConn = conns[0]!;
  const sources = conns.slice(1);
  // Each session's chunk is written before that session reads again: one line buffer each.
  const lineBuffers = sources.map(() => new LineBuffer());
  let next: Promise<LockedChunk> | undefined;
  try {
    let copied = 0;
    let throttledMs = 0;
    let reads = 0;
    const throttle = throttleGate(clusters, input, ctx, () => result(copied, throttledMs));
    const load = (await acceptsLocalLoad(targetConn))
      ? loadStatement(input.targetDatabase, input.table, written)
      : undefined;

    const chunkQuery = (after: Condition, row: string, limit: number) => ({
      sql: `${selectOf(row)} WHERE ${after.sql} AND ${upTo.sql} ORDER BY ${orderBy(key)} LIMIT ? FOR UPDATE`,
      values: [...after.values, ...upTo.values, limit],
    });
    /** The next `limit` rows after `after` as SQL text and key, read on `conn` in its open transaction. */
    const readLiterals = async (conn: mysql.Connection, after: Condition, limit: number) => {
      const [rows] = await conn.query<mysql.RowDataPacket[]>({
        ...chunkQuery(after, rowLiteral(written), limit),
        rowsAsArray: true,
      });
      return rows as unknown as unknown[][];
    };

    /** Opens a source transaction and reads the chunk after `from`, its rows locked until it ends. */
    const lockChunk = async (from: Key | null): Promise<LockedChunk> => {
      throttledMs += await throttle();
      const turn = reads++ % sources.length;
      const conn = sources[turn]!;
      const after = afterKey(keyParts, from);
      await conn.beginTransaction();
      try {
        if (load) {
          const read = await readLines(
            conn,
            chunkQuery(after, lineFields, chunkRows),
            plainFields,
            lineBuffers[turn]!,
            chunkRows * rowBytes,
          );
          const { data, ...bounds } = read;
          return { conn, from, after, ...bounds, bytes: data.length, lines: data };
        }
        const literals = await readLiterals(conn, after, chunkRows);
        return {
          conn,
          from,
          after,
          rows: literals.length,
          // SQL text is about twice the row's bytes: the chunk's size in memory, as held.
          bytes: literals.reduce((sum, row) => sum + (row[0] as string).length, 0),
          literals,
          ...(literals.length ? { firstKey: keyOf(literals[0]!), lastKey: keyOf(literals.at(-1)!) } : {}),
        };
      } catch (err) {
        await conn.rollback().catch(() => undefined);
        throw err;
      }
    };
    /** Starts reading the chunk after `from`; awaited later, so its failure is not unhandled meanwhile. */
    const readAhead = (from: Key | null) => {
      const reading = lockChunk(from);
      reading.catch(() => undefined);
      return reading;
    };

    /** Writes a chunk to the target with its progress row, in one target transaction. */
    const writeChunk = async (chunk: LockedChunk, lastKey: Key) => {
      await targetConn.beginTransaction();
      let literals: unknown[][] = [];
      let first = 0;
      try {
        const loaded =
          load !== undefined &&
          chunk.lines !== undefined &&
          (await loadRows(targetConn, load, chunk.lines).catch(unlessRowError));
        if (!loaded) {
          // No LOAD DATA, or it stored a value other than exactly or refused one: INSERTs of the
          // same (still locked) rows store them exactly or name the row the target refuses.
          if (chunk.literals) literals = chunk.literals;
          else {
            await targetConn.rollback();
            await targetConn.beginTransaction();
            literals = await readLiterals(chunk.conn, chunk.after, chunk.rows);
          }
          for (const statement of copyInsertStatements(
            target,
            columns,
            literals.map((row) => row[0] as string),
          )) {
            first = statement.first;
            await targetConn.query(statement.sql);
          }
          if (chunk.lines)
            ctx.log.warn(`a chunk of ${input.table} the load could not store exactly was written by INSERTs`, {
              table: input.table,
              after: chunk.from,
              rows: chunk.rows,
            });
          inserted += chunk.rows;
        }
        await recordChunk(targetConn, unit, lastKey, chunk.rows);
        await targetConn.commit();
      } catch (err) {
        await targetConn.rollback().catch(() => undefined);
        if (!isPermanentRowError(err)) throw err;
        // The server names the row of a multi-row INSERT it refuses ("... at row N") when it can.
        const row = Number(/at row (\d+)/.exec((err as Error).message)?.[1] ?? 0);
        const named = literals[first + row - 1];
        throw rowRejected(
          {
            table: `${input.targetDatabase}.${input.table}`,
            key: named ? keyOf(named) : [chunk.firstKey, lastKey],
            origin: named ? 'row copy' : 'row copy, key range of the chunk',
            err,
          },
          clusters.describe(input.target),
        );
      }
    };

    next = readAhead(state.lastKey ?? rangeStart);
    while (next) {
      const chunk: LockedChunk = await next;
      next = undefined;
      try {
        if (chunk.lastKey === undefined) {
          await chunk.conn.commit();
          await markCopyDone(targetPool, unit);
          state.done = true;
          break;
        }
        const lastKey = chunk.lastKey;
        rowBytes = chunk.bytes / chunk.rows;
        chunkRows = Math.min(rowsFitting(rowBytes, input.chunkSize), rowsCap);
        // The next rows are locked by the other session while these are written: the target's
        // writes, and so its resume point, still advance chunk by chunk in key order.
        if (Date.now() - started < input.maxSliceMs && !ctx.cancellationSignal.aborted) next = readAhead(lastKey);
        await writeChunk(chunk, lastKey);
        // Only now may writers touch these rows again.
        await chunk.conn.commit();
        state.lastKey = lastKey;
        state.rowsCopied += chunk.rows;
        copied += chunk.rows;
        countRowsCopied(input.streamId, input.table, chunk.rows);
      } catch (err) {
        await chunk.conn.rollback().catch(() => undefined);
        if (asServerError(err)?.errno !== BINLOG_CACHE_FULL) throw err;
        // The target's binlog cannot hold this chunk's transaction: halve it and read it again.
        if (chunk.rows <= 1)
          throw failure(
            'CopyRefused',
            `the target's binary log cannot hold even one row of ${input.targetDatabase}.${input.table} in a transaction (${(err as Error).message}): raise max_binlog_cache_size on ${clusters.describe(input.target)}`,
            { table: input.table },
          );
        rowsCap = Math.max(1, Math.floor(chunk.rows / 2));
        chunkRows = Math.min(chunkRows, rowsCap);
        ctx.log.warn(
          `the target's max_binlog_cache_size cannot hold a chunk of ${chunk.rows} rows: chunks of ${rowsCap} from now on`,
          {
            table: input.table,
          },
        );
        // The chunk read ahead follows rows not written: it goes, and this one is read again, smaller.
        await next?.then((ahead) => ahead.conn.rollback()).catch(() => undefined);
        next = readAhead(chunk.from);
        continue;
      }
      ctx.heartbeat(result(copied, throttledMs));
      if (ctx.cancellationSignal.aborted) throw new CancelledFailure('copy cancelled');
    }
    return result(copied, throttledMs);
  } finally {
    // A chunk read ahead and not written (slice over, or a failure): its locks go, nothing written.
    await next?.then((chunk) => chunk.conn.rollback()).catch(() => undefined);
    await Promise.all(conns.map((conn) => conn.end().catch(() => undefined)));
  }
}
