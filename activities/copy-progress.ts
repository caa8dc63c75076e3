// Where the row copy stands, per table, on the target: the last copied key is written in the same
// transaction as the chunk it ends, so a restarted copy continues exactly after it.
import type mysql from 'mysql2/promise';
import { decodeKey, encodeKey, type Key } from './keyset.js';
import { STATE_DATABASE } from './stream-state.js';

const TABLE = `\`${STATE_DATABASE}\`.\`copy_progress\``;

export interface CopyProgress {
  lastKey: Key | null;
  rowsCopied: number;
  done: boolean;
}

type Queryable = mysql.Pool | mysql.Connection;

export async function readCopyProgress(conn: Queryable, streamId: string, table: string): Promise<CopyProgress> {
  await conn.query(`CREATE DATABASE IF NOT EXISTS \`${STATE_DATABASE}\``);
  await conn.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (
    stream_id VARCHAR(191) NOT NULL,
    table_name VARCHAR(64) NOT NULL,
    last_key TEXT NULL,
    rows_copied BIGINT NOT NULL DEFAULT 0,
    done TINYINT NOT NULL DEFAULT 0,
    updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    PRIMARY KEY (stream_id, table_name)
  ) ENGINE=InnoDB`);
  await conn.query(`INSERT IGNORE INTO ${TABLE} (stream_id, table_name) VALUES (?, ?)`, [streamId, table]);
  const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT last_key, rows_copied, done FROM ${TABLE} WHERE stream_id = ? AND table_name = ?`, [streamId, table]);
  const row = rows[0]!;
  return { lastKey: row.last_key === null ? null : decodeKey(String(row.last_key)), rowsCopied: Number(row.rows_copied), done: Number(row.done) === 1 };
}

/** Inside the caller's target transaction, with the chunk it records. */
export async function recordChunk(conn: mysql.Connection, streamId: string, table: string, lastKey: Key, rows: number): Promise<void> {
  await conn.query(`UPDATE ${TABLE} SET last_key = ?, rows_copied = rows_copied + ? WHERE stream_id = ? AND table_name = ?`, [encodeKey(lastKey), rows, streamId, table]);
}

export async function markCopyDone(conn: Queryable, streamId: string, table: string): Promise<void> {
  await conn.query(`UPDATE ${TABLE} SET done = 1 WHERE stream_id = ? AND table_name = ?`, [streamId, table]);
}
