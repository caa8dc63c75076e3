// The move's durable state on the target, next to the rows it covers: database `_move_tables`
// with one row per stream (applied GTID position, cut-over flag and the target position read with
// it, where a reverse stream starts), one per copied table range
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

export async function ensureStateSchema(conn: Queryable): Promise<void> {
  await conn.query(`CREATE DATABASE IF NOT EXISTS \`${STATE_DATABASE}\` ${STATE_CHARSET}`);
  await conn.query(`CREATE TABLE IF NOT EXISTS ${STREAMS_TABLE} (
    stream_id VARCHAR(191) NOT NULL PRIMARY KEY,
    applied_position TEXT NOT NULL,
    cut_over_complete TINYINT NOT NULL DEFAULT 0,
    drain_gtid TEXT NULL,
    reverse_start TEXT NULL,
    owner VARCHAR(64) NULL,
    updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)
  ) ENGINE=InnoDB DEFAULT ${STATE_CHARSET}`);
  await conn.query(`CREATE TABLE IF NOT EXISTS ${PENDING_XA_TABLE} (
    stream_id VARCHAR(191) NOT NULL,
    xid VARCHAR(400) NOT NULL,
    ops LONGTEXT NOT NULL,
    PRIMARY KEY (stream_id, xid)
  ) ENGINE=InnoDB DEFAULT ${STATE_CHARSET}`);
  // State created by a version before stream owners: add the column (both flavors, no IF NOT EXISTS).
  const [owner] = await conn.query<mysql.RowDataPacket[]>(
    "SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'streams' AND COLUMN_NAME = 'owner'",
    [STATE_DATABASE],
  );
  if (!owner.length)
    await conn.query(`ALTER TABLE ${STREAMS_TABLE} ADD COLUMN owner VARCHAR(64) NULL AFTER drain_gtid`);
  // State created by a version before the reverse stream: where it starts is recorded with the flag.
  const [reverseStart] = await conn.query<mysql.RowDataPacket[]>(
    "SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'streams' AND COLUMN_NAME = 'reverse_start'",
    [STATE_DATABASE],
  );
  if (!reverseStart.length)
    await conn.query(`ALTER TABLE ${STREAMS_TABLE} ADD COLUMN reverse_start TEXT NULL AFTER drain_gtid`);
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
