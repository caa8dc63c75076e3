// The stream's durable state lives on the target, next to the rows it covers: the applied GTID
// position is written in the same transaction as those rows, so after any crash the position on
// the target says exactly which transactions the target holds. The cut-over flag (T4) sits in
// the same row.
import type mysql from 'mysql2/promise';

export const STATE_DATABASE = '_move_tables';
const STATE_TABLE = `\`${STATE_DATABASE}\`.\`streams\``;

export interface StreamState {
  streamId: string;
  appliedPosition: string;
  cutOverComplete: boolean;
  drainGtid: string | null;
}

type Queryable = mysql.Pool | mysql.Connection;

export async function ensureStateTable(conn: Queryable): Promise<void> {
  await conn.query(`CREATE DATABASE IF NOT EXISTS \`${STATE_DATABASE}\``);
  await conn.query(`CREATE TABLE IF NOT EXISTS ${STATE_TABLE} (
    stream_id VARCHAR(191) NOT NULL PRIMARY KEY,
    applied_position TEXT NOT NULL,
    cut_over_complete TINYINT NOT NULL DEFAULT 0,
    drain_gtid TEXT NULL,
    updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)
  ) ENGINE=InnoDB`);
}

/** Registers a stream at its start position; an existing row (a resumed stream) is kept. */
export async function registerStream(conn: Queryable, streamId: string, startPosition: string): Promise<StreamState> {
  await ensureStateTable(conn);
  await conn.query(`INSERT IGNORE INTO ${STATE_TABLE} (stream_id, applied_position) VALUES (?, ?)`, [streamId, startPosition]);
  return (await readStreamState(conn, streamId))!;
}

export async function readStreamState(conn: Queryable, streamId: string): Promise<StreamState | undefined> {
  let rows: mysql.RowDataPacket[];
  try {
    [rows] = await conn.query<mysql.RowDataPacket[]>(
      `SELECT applied_position, cut_over_complete, drain_gtid FROM ${STATE_TABLE} WHERE stream_id = ?`,
      [streamId],
    );
  } catch (err) {
    if ((err as { code?: string }).code === 'ER_NO_SUCH_TABLE' || (err as { code?: string }).code === 'ER_BAD_DB_ERROR') return undefined;
    throw err;
  }
  const row = rows[0];
  if (!row) return undefined;
  return { streamId, appliedPosition: String(row.applied_position), cutOverComplete: Number(row.cut_over_complete) === 1, drainGtid: row.drain_gtid === null ? null : String(row.drain_gtid) };
}

/** Inside the caller's transaction, together with the rows it covers. */
export async function saveAppliedPosition(conn: mysql.Connection, streamId: string, position: string): Promise<void> {
  await conn.query(`UPDATE ${STATE_TABLE} SET applied_position = ? WHERE stream_id = ?`, [position, streamId]);
}

/** T4. Idempotent: setting it again changes nothing. */
export async function markCutOverComplete(conn: Queryable, streamId: string, drainGtid: string): Promise<boolean> {
  const [result] = await conn.query<mysql.ResultSetHeader>(
    `UPDATE ${STATE_TABLE} SET cut_over_complete = 1, drain_gtid = ? WHERE stream_id = ?`,
    [drainGtid, streamId],
  );
  return result.affectedRows === 1;
}

/**
 * Forgets a stream's state and copy progress: a new move of the same tables starts from its own
 * prepared position, never from what an abandoned earlier move left behind.
 */
export async function resetStream(conn: Queryable, streamId: string): Promise<void> {
  await ensureStateTable(conn);
  await conn.query(`DELETE FROM ${STATE_TABLE} WHERE stream_id = ?`, [streamId]);
  await conn.query(`DELETE FROM \`${STATE_DATABASE}\`.\`copy_progress\` WHERE stream_id = ?`, [streamId]).catch((err: { code?: string }) => {
    if (err.code !== 'ER_NO_SUCH_TABLE') throw err;
  });
}
