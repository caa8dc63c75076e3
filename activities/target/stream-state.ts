// The stream's row in the state store: the applied GTID position, written in the same transaction
// as the rows it covers, so after any crash the target says exactly which source transactions it
// holds; and the cut-over flag (T4) that stops the stream.
import type mysql from 'mysql2/promise';
import { failure, retryableFailure } from '../../contract/failures.js';
import type { Clusters, Queryable } from '../clusters.js';
import { whileHeartbeating } from '../heartbeat.js';
import { ensureStateSchema, PENDING_XA_TABLE, STREAMS_TABLE } from './state-store.js';
import { currentGtidPosition } from '../source/server.js';
import type { CutOverFlag } from '../../contract/activities.js';

export interface StreamState {
  streamId: string;
  appliedPosition: string;
  cutOverComplete: boolean;
  drainGtid: string | null;
  /** The target's position read with the flag (CutOverFlag). */
  reverseStart: string | null;
}

/** Registers a stream at its start position; an existing row (a resumed stream) is kept. */
export async function registerStream(conn: Queryable, streamId: string, startPosition: string): Promise<void> {
  await ensureStateSchema(conn);
  await conn.query(`INSERT IGNORE INTO ${STREAMS_TABLE} (stream_id, applied_position) VALUES (?, ?)`, [
    streamId,
    startPosition,
  ]);
}

export async function readStreamState(conn: Queryable, streamId: string): Promise<StreamState | undefined> {
  let rows: mysql.RowDataPacket[];
  try {
    [rows] = await conn.query<mysql.RowDataPacket[]>(
      `SELECT applied_position, cut_over_complete, drain_gtid, reverse_start FROM ${STREAMS_TABLE} WHERE stream_id = ?`,
      [streamId],
    );
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ER_NO_SUCH_TABLE' || code === 'ER_BAD_DB_ERROR') return undefined;
    throw err;
  }
  const row = rows[0];
  if (!row) return undefined;
  return {
    streamId,
    appliedPosition: String(row.applied_position),
    cutOverComplete: Number(row.cut_over_complete) === 1,
    drainGtid: row.drain_gtid === null ? null : String(row.drain_gtid),
    reverseStart: row.reverse_start === null || row.reverse_start === undefined ? null : String(row.reverse_start),
  };
}

/**
 * Makes `owner` (one stream attempt) the only writer of the stream. Waits for a batch of the
 * previous owner that is under way (it holds the row), so what this returns is where that one
 * stopped: the new attempt resumes from it.
 */
export async function claimStream(conn: Queryable, streamId: string, owner: string): Promise<StreamState> {
  await conn.query(`UPDATE ${STREAMS_TABLE} SET owner = ? WHERE stream_id = ?`, [owner, streamId]);
  return (await readStreamState(conn, streamId))!;
}

/**
 * First in the caller's batch transaction: moves the position and locks the row, or fails when
 * another attempt has claimed the stream since. A stalled attempt that wakes up (a pause, a
 * partition from Temporal only) so never writes older row images over a newer attempt's.
 */
export async function saveAppliedPosition(
  conn: mysql.Connection,
  streamId: string,
  position: string,
  owner: string,
): Promise<void> {
  const [result] = await conn.query<mysql.ResultSetHeader>(
    `UPDATE ${STREAMS_TABLE} SET applied_position = ? WHERE stream_id = ? AND owner = ?`,
    [position, streamId, owner],
  );
  if (result.affectedRows !== 1) {
    throw retryableFailure(
      'StreamSuperseded',
      `stream "${streamId}" is owned by a newer attempt: this one stops without writing`,
    );
  }
}

/**
 * Activity `setCutOverComplete` (T4). Idempotent: setting it again changes nothing. The target's
 * position is read in the flag's transaction, before it: where a reverse stream starts (CutOverFlag).
 */
export async function setCutOverComplete(
  clusters: Clusters,
  target: string,
  streamId: string,
  drainGtid: string,
): Promise<void> {
  const conn = await clusters.connect(target);
  try {
    const set = async () => {
      await conn.beginTransaction();
      const position = await currentGtidPosition(conn);
      const [result] = await conn.query<mysql.ResultSetHeader>(
        `UPDATE ${STREAMS_TABLE} SET cut_over_complete = 1, drain_gtid = ?, reverse_start = COALESCE(reverse_start, ?) WHERE stream_id = ?`,
        [drainGtid, position, streamId],
      );
      await conn.commit();
      return result;
    };
    const result = await whileHeartbeating(set());
    if (result.affectedRows !== 1) {
      throw failure('StreamNotRegistered', `no stream "${streamId}" on ${clusters.describe(target)} to mark complete`);
    }
  } finally {
    await conn.end().catch(() => undefined);
  }
}

/** Activity `readCutOverFlag`: whether T4 took effect, when its own outcome was lost. */
export async function readCutOverFlag(clusters: Clusters, target: string, streamId: string): Promise<CutOverFlag> {
  const state = await readStreamState(clusters.pool(target), streamId);
  return {
    cutOverComplete: state?.cutOverComplete ?? false,
    ...(state?.reverseStart ? { reverseStart: state.reverseStart } : {}),
  };
}

/**
 * Activity `restartStream`: a reversible move's stream starts a new leg after a switch: from
 * `startPosition` (the position the switch's T4 recorded), its flag and owner cleared. An attempt of
 * the previous leg still alive stops at its next batch (it no longer owns the row).
 */
export async function restartStream(
  clusters: Clusters,
  cluster: string,
  streamId: string,
  startPosition: string,
): Promise<void> {
  const conn = clusters.pool(cluster);
  await ensureStateSchema(conn);
  await conn.query(
    `INSERT INTO ${STREAMS_TABLE} (stream_id, applied_position) VALUES (?, ?)
     ON DUPLICATE KEY UPDATE applied_position = VALUES(applied_position), cut_over_complete = 0, drain_gtid = NULL,
       reverse_start = NULL, owner = NULL`,
    [streamId, startPosition],
  );
  await conn.query(`DELETE FROM ${PENDING_XA_TABLE} WHERE stream_id = ?`, [streamId]);
}
