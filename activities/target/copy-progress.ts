// Where the row copy stands, per table key range (range 0 when a table is copied whole), in the
// state store: the last copied key is written in the same transaction as the chunk it ends, so a
// restarted copy continues exactly after it.
import type mysql from 'mysql2/promise';
import type { Queryable } from '../clusters.js';
import { decodeKey, encodeKey, type Key } from '../copy/keyset.js';
import { COPY_PROGRESS_TABLE } from './state-store.js';

export interface CopyProgress {
  lastKey: Key | null;
  rowsCopied: number;
  done: boolean;
}

/** One range of one table's copy in one move. */
export interface CopyUnit {
  streamId: string;
  table: string;
  range: number;
}

const UNIT = 'stream_id = ? AND table_name = ? AND range_no = ?';
const unitValues = (unit: CopyUnit) => [unit.streamId, unit.table, unit.range];

export async function readCopyProgress(conn: Queryable, unit: CopyUnit): Promise<CopyProgress> {
  await conn.query(
    `INSERT IGNORE INTO ${COPY_PROGRESS_TABLE} (stream_id, table_name, range_no) VALUES (?, ?, ?)`,
    unitValues(unit),
  );
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    `SELECT last_key, rows_copied, done FROM ${COPY_PROGRESS_TABLE} WHERE ${UNIT}`,
    unitValues(unit),
  );
  const row = rows[0]!;
  return {
    lastKey: row.last_key === null ? null : decodeKey(String(row.last_key)),
    rowsCopied: Number(row.rows_copied),
    done: Number(row.done) === 1,
  };
}

/** Inside the caller's target transaction, with the chunk it records. */
export async function recordChunk(conn: mysql.Connection, unit: CopyUnit, lastKey: Key, rows: number): Promise<void> {
  await conn.query(`UPDATE ${COPY_PROGRESS_TABLE} SET last_key = ?, rows_copied = rows_copied + ? WHERE ${UNIT}`, [
    encodeKey(lastKey),
    rows,
    ...unitValues(unit),
  ]);
}

export async function markCopyDone(conn: Queryable, unit: CopyUnit): Promise<void> {
  await conn.query(`UPDATE ${COPY_PROGRESS_TABLE} SET done = 1 WHERE ${UNIT}`, unitValues(unit));
}
