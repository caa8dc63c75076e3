// Rows of XA transactions prepared on the source and not yet committed or rolled back there, kept
// on the target in the same transaction as the position that passed their prepare: a stream that
// resumes after that position still finds them when the decision arrives.
import type mysql from 'mysql2/promise';
import type { Queryable } from '../clusters.js';
import type { Row, RowOp, TargetTable } from './row-apply.js';
import { PENDING_XA_TABLE } from './state-store.js';

type Stored = { kind: RowOp['kind']; table: string; row: Record<string, unknown> };

/** Values as JSON, exactly: bytes as base64, decoded JSON documents and big integers as their text. */
function encodeValue(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return { __b64: value.toString('base64') };
  if (typeof value === 'bigint') return { __text: value.toString() };
  if (value !== null && typeof value === 'object') return { __text: JSON.stringify(value) };
  return value;
}

function decodeValue(value: unknown): unknown {
  if (value !== null && typeof value === 'object') {
    const tagged = value as { __b64?: string; __text?: string };
    if (tagged.__b64 !== undefined) return Buffer.from(tagged.__b64, 'base64');
    if (tagged.__text !== undefined) return tagged.__text;
  }
  return value;
}

export function encodeOps(ops: RowOp[]): string {
  const stored: Stored[] = ops.map((op) => ({
    kind: op.kind,
    table: op.table.table,
    row: Object.fromEntries(Object.entries(op.row).map(([k, v]) => [k, encodeValue(v)])),
  }));
  return JSON.stringify(stored);
}

/** `targets` by moved table; ops are stored under the table they write (an old name, for a reverse stream). */
export function decodeOps(text: string, targets: ReadonlyMap<string, TargetTable>): RowOp[] {
  const written = new Map([...targets.values()].map((t) => [t.table, t]));
  return (JSON.parse(text) as Stored[]).map((op) => ({
    kind: op.kind,
    table: written.get(op.table)!,
    row: Object.fromEntries(Object.entries(op.row).map(([k, v]) => [k, decodeValue(v)])) as Row,
  }));
}

/**
 * XA transactions prepared on the source with rows of the moved tables and not decided yet. Such
 * a transaction may commit after the RENAME (a prepared transaction whose session ended holds no
 * metadata lock on every server), so its rows would land after the drain: no cutover while any is.
 */
export async function undecidedXids(conn: Queryable, streamId: string): Promise<string[]> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    `SELECT xid FROM ${PENDING_XA_TABLE} WHERE stream_id = ? ORDER BY xid`,
    [streamId],
  );
  return rows.map((r) => String(r.xid));
}

/** Inside the batch transaction that passes the prepare. */
export async function holdPrepared(conn: mysql.Connection, streamId: string, xid: string, ops: RowOp[]): Promise<void> {
  await conn.query(`REPLACE INTO ${PENDING_XA_TABLE} (stream_id, xid, ops) VALUES (?, ?, ?)`, [
    streamId,
    xid,
    encodeOps(ops),
  ]);
}

/** Inside the batch transaction of the decision: the prepared rows, forgotten as this commits. */
export async function takePrepared(
  conn: mysql.Connection,
  streamId: string,
  xid: string,
  targets: ReadonlyMap<string, TargetTable>,
): Promise<RowOp[]> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    `SELECT ops FROM ${PENDING_XA_TABLE} WHERE stream_id = ? AND xid = ? FOR UPDATE`,
    [streamId, xid],
  );
  if (!rows.length) return [];
  await conn.query(`DELETE FROM ${PENDING_XA_TABLE} WHERE stream_id = ? AND xid = ?`, [streamId, xid]);
  return decodeOps(String(rows[0]!.ops), targets);
}
