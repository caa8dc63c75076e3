// A verification's hold on a stream, kept in the stream's row next to its applied position: the
// stream applies no transaction past `hold_at` (a cut of the source's binlog; '' stops it where it
// is) until the hold is released or expires. The stream acknowledges a hold by writing the position
// it stopped at (`held_at`): from then on it applies nothing the hold does not admit. A hold that
// outlives its verifier (a lost worker) expires by itself, so a stream is never stopped for good.
import type mysql from 'mysql2/promise';
import { failure } from '../../contract/failures.js';
import type { Queryable } from '../clusters.js';
import { STREAMS_TABLE } from './state-store.js';

export interface StreamControl {
  cutOverComplete: boolean;
  /** A hold in force: the last source position the stream may apply, and its acknowledgement. */
  hold?: { at: string; heldAt: string | null };
}

/** What the stream reads between batches: the flag (T4) and a verification's hold. */
export async function readStreamControl(conn: Queryable, streamId: string): Promise<StreamControl | undefined> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    `SELECT cut_over_complete, hold_at, held_at, hold_expires > NOW(3) AS holding FROM ${STREAMS_TABLE} WHERE stream_id = ?`,
    [streamId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    cutOverComplete: Number(row.cut_over_complete) === 1,
    ...(row.hold_at !== null && Number(row.holding) === 1
      ? { hold: { at: String(row.hold_at), heldAt: row.held_at === null ? null : String(row.held_at) } }
      : {}),
  };
}

/** Holds the stream at `at` for at most `seconds` (renewed by each request); the acknowledgement is cleared. */
export async function requestHold(conn: Queryable, streamId: string, at: string, seconds: number): Promise<void> {
  const [result] = await conn.query<mysql.ResultSetHeader>(
    `UPDATE ${STREAMS_TABLE} SET hold_at = ?, held_at = NULL, hold_expires = NOW(3) + INTERVAL ? SECOND WHERE stream_id = ?`,
    [at, seconds, streamId],
  );
  if (result.affectedRows !== 1) throw failure('StreamNotRegistered', `no stream "${streamId}" to hold`);
}

/** The stream's acknowledgement: it applies nothing past the hold from now on, and stands at `applied`. */
export async function acknowledgeHold(conn: Queryable, streamId: string, at: string, applied: string): Promise<void> {
  await conn.query(`UPDATE ${STREAMS_TABLE} SET held_at = ? WHERE stream_id = ? AND hold_at = ?`, [
    applied,
    streamId,
    at,
  ]);
}

/** Where the stream stopped for the hold at `at`, once it has acknowledged it. */
export async function holdAcknowledged(conn: Queryable, streamId: string, at: string): Promise<string | null> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    `SELECT held_at FROM ${STREAMS_TABLE} WHERE stream_id = ? AND hold_at = ?`,
    [streamId, at],
  );
  const held = rows[0]?.held_at;
  return held === null || held === undefined ? null : String(held);
}

export async function releaseHold(conn: Queryable, streamId: string): Promise<void> {
  await conn.query(
    `UPDATE ${STREAMS_TABLE} SET hold_at = NULL, held_at = NULL, hold_expires = NULL WHERE stream_id = ?`,
    [streamId],
  );
}
