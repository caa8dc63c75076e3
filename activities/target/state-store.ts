// The move's durable state on the target, next to the rows it covers: database `_move_tables`
// with one row per stream (applied GTID position, cut-over flag and the target position read with
// it, where a reverse stream starts, a verification's hold), one per copied table range
// (last copied key), and one per prepared XA transaction the source has not decided yet. The schema is created by prepare and by a stream's registration, the two ways a
// move's state comes to exist; everything else reads and writes rows.
import type mysql from 'mysql2/promise';
import type { Queryable } from '../clusters.js';

export const STATE_DATABASE = '_move_tables';
export const STREAMS_TABLE = `\`${STATE_DATABASE}\`.\`streams\``;
export const COPY_PROGRESS_TABLE = `\`${STATE_DATABASE}\`.\`copy_progress\``;
export const PENDING_XA_TABLE = `\`${STATE_DATABASE}\`.\`pending_xa\``;

/**
 * Table names and stream ids are case-sensitive and may hold any character (a server's default
 * charset may be latin1, its default collation case-insensitive): every text column of the state
 * is utf8mb4 compared byte by byte.
 */
const STATE_CHARSET = 'CHARACTER SET utf8mb4 COLLATE utf8mb4_bin';

/**
 * Columns of the streams table added after its first version, in order: the stream's owner; where a
 * reverse stream starts; a verification's hold (stream-hold.ts).
 */
const STREAM_COLUMNS_ADDED: Array<[string, string]> = [
  ['owner', 'VARCHAR(64) NULL AFTER drain_gtid'],
  ['reverse_start', 'TEXT NULL AFTER drain_gtid'],
  ['hold_at', 'TEXT NULL AFTER owner'],
  ['hold_expires', 'TIMESTAMP(3) NULL AFTER hold_at'],
  ['held_at', 'TEXT NULL AFTER hold_expires'],
];

export async function ensureStateSchema(conn: Queryable): Promise<void> {
  await conn.query(`CREATE DATABASE IF NOT EXISTS \`${STATE_DATABASE}\` ${STATE_CHARSET}`);
  await conn.query(`CREATE TABLE IF NOT EXISTS ${STREAMS_TABLE} (
    stream_id VARCHAR(191) NOT NULL PRIMARY KEY,
    applied_position TEXT NOT NULL,
    cut_over_complete TINYINT NOT NULL DEFAULT 0,
    drain_gtid TEXT NULL,
    reverse_start TEXT NULL,
    owner VARCHAR(64) NULL,
    hold_at TEXT NULL,
    hold_expires TIMESTAMP(3) NULL,
    held_at TEXT NULL,
    updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)
  ) ENGINE=InnoDB DEFAULT ${STATE_CHARSET}`);
  await conn.query(`CREATE TABLE IF NOT EXISTS ${PENDING_XA_TABLE} (
    stream_id VARCHAR(191) NOT NULL,
    xid VARCHAR(400) NOT NULL,
    ops LONGTEXT NOT NULL,
    PRIMARY KEY (stream_id, xid)
  ) ENGINE=InnoDB DEFAULT ${STATE_CHARSET}`);
  // State created by an earlier version: add the streams' later columns (both flavors, no IF NOT EXISTS).
  for (const [column, definition] of STREAM_COLUMNS_ADDED) {
    const [present] = await conn.query<mysql.RowDataPacket[]>(
      "SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'streams' AND COLUMN_NAME = ?",
      [STATE_DATABASE, column],
    );
    if (!present.length) await conn.query(`ALTER TABLE ${STREAMS_TABLE} ADD COLUMN ${column} ${definition}`);
  }
  await conn.query(`CREATE TABLE IF NOT EXISTS ${COPY_PROGRESS_TABLE} (
    stream_id VARCHAR(191) NOT NULL,
    table_name VARCHAR(64) NOT NULL,
    last_key TEXT NULL,
    rows_copied BIGINT NOT NULL DEFAULT 0,
    done TINYINT NOT NULL DEFAULT 0,
    updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    range_no INT NOT NULL DEFAULT 0,
    PRIMARY KEY (stream_id, table_name, range_no)
  ) ENGINE=InnoDB DEFAULT ${STATE_CHARSET}`);
  // State created by a version before parallel copies: one row per table is its range 0.
  const [ranges] = await conn.query<mysql.RowDataPacket[]>(
    "SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'copy_progress' AND COLUMN_NAME = 'range_no'",
    [STATE_DATABASE],
  );
  if (!ranges.length)
    await conn.query(
      `ALTER TABLE ${COPY_PROGRESS_TABLE} ADD COLUMN range_no INT NOT NULL DEFAULT 0, DROP PRIMARY KEY, ADD PRIMARY KEY (stream_id, table_name, range_no)`,
    );
  // State created by a version that took the server's defaults: convert it (small tables).
  const [converts] = await conn.query<mysql.RowDataPacket[]>(
    "SELECT DISTINCT TABLE_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND COLLATION_NAME IS NOT NULL AND COLLATION_NAME <> 'utf8mb4_bin'",
    [STATE_DATABASE],
  );
  for (const row of converts)
    await conn.query(`ALTER TABLE \`${STATE_DATABASE}\`.\`${String(row.name)}\` CONVERT TO ${STATE_CHARSET}`);
}

/**
 * Forgets a move's stream state and copy progress: a new move of the same tables starts from its
 * own prepared position, never from what an abandoned earlier move left behind.
 */
export async function resetMoveState(conn: Queryable, streamId: string): Promise<void> {
  await ensureStateSchema(conn);
  await conn.query(`DELETE FROM ${STREAMS_TABLE} WHERE stream_id = ?`, [streamId]);
  await conn.query(`DELETE FROM ${COPY_PROGRESS_TABLE} WHERE stream_id = ?`, [streamId]);
  await conn.query(`DELETE FROM ${PENDING_XA_TABLE} WHERE stream_id = ?`, [streamId]);
}
