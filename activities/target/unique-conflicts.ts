// Replayed row images that collide on a unique secondary key. The stream applies events that are
// older than rows the copy (or a replay after a crash) already wrote: when a unique value moved
// between rows within the stream's lag, an old image of one row meets the newer copy of another
// that holds the value now (source: row 2 b→c→d, then row 1 →c; the copy wrote (1,c),(2,d); the
// stream replays (2,c)). That other row holds the value on the target only because the target is
// ahead of the event: the source gave it the value after this event, so a later event of the
// stream writes that row again, whole (full row images). Taking it out of the way now converges
// to the source's rows; refusing would end the move after its whole copy.
import type mysql from 'mysql2/promise';
import { qualified, quoteIdentifier } from '../../contract/identifiers.js';
import { asServerError, DUPLICATE_KEY } from './rejected-rows.js';
import { keyOf, statementFor, type RowOp, type Statement, type TargetTable } from './row-apply.js';

/** At most this many rows taken out of the way for one op (one per unique key it collides on). */
const MAX_EVICTIONS_PER_OP = 16;

/** A row taken out of the way: its table and row key (never its values). */
export interface Eviction {
  table: string;
  key: unknown[];
  /** The row key of the op that took its place. */
  for: unknown[];
  uniqueKey: string;
}

/** The unique secondary key a duplicate-key error names, with its columns; undefined for any other error. */
export function collidingUniqueKey(err: unknown, table: TargetTable): { name: string; columns: string[] } | undefined {
  const server = asServerError(err);
  if (server?.errno !== DUPLICATE_KEY) return undefined;
  // MariaDB: "... for key 'u'"; MySQL 8: "... for key 't.u'".
  const named = /for key '(.*)'$/.exec(server.sqlMessage ?? server.message)?.[1];
  if (named === undefined) return undefined;
  const name = named.startsWith(`${table.table}.`) ? named.slice(table.table.length + 1) : named;
  const columns = table.uniqueKeys?.get(name);
  return columns ? { name, columns } : undefined;
}

/** Deletes the row other than `op`'s that holds `op`'s values in the unique key `columns`. */
function evictionStatement(op: RowOp, columns: string[]): Statement {
  const { table, row } = op;
  const equal = (names: string[]) => names.map((c) => `${quoteIdentifier(c)} = ?`).join(' AND ');
  // Row-key columns are NOT NULL: plain equality names the op's own row.
  return {
    sql: `DELETE FROM ${qualified(table.database, table.table)} WHERE ${equal(columns)} AND NOT (${equal(table.key)})`,
    values: [...columns.map((c) => row[c]), ...keyOf(table, row)],
  };
}

/** The row key of the row holding `op`'s values in the unique key `columns`. */
async function holderKey(conn: mysql.Connection, op: RowOp, columns: string[]): Promise<unknown[]> {
  const { table, row } = op;
  const [rows] = await conn.query<mysql.RowDataPacket[]>({
    sql:
      `SELECT ${table.key.map(quoteIdentifier).join(', ')} FROM ${qualified(table.database, table.table)}` +
      ` WHERE ${columns.map((c) => `${quoteIdentifier(c)} = ?`).join(' AND ')}`,
    values: columns.map((c) => row[c]),
    rowsAsArray: true,
  });
  return (rows[0] as unknown as unknown[] | undefined) ?? [];
}

/** A group's statement as the text the server gets (escaped as the connection's `query` would). */
export function formattedGroup(conn: mysql.Connection, group: RowOp[]): string {
  const statement = statementFor(group);
  return conn.format(statement.sql, statement.values);
}

/**
 * Applies a group of ops in its open transaction, as `formatted` (formattedGroup), sent at once:
 * the caller formats the next group while the server runs this one. An upsert group that collides
 * on a unique secondary key is applied op by op, each colliding row taken out of the way first
 * (returned, for the log); any other error is thrown as it is.
 */
export async function applyGroup(conn: mysql.Connection, group: RowOp[], formatted: string): Promise<Eviction[]> {
  try {
    await conn.query(formatted);
    return [];
  } catch (err) {
    // A failed statement is rolled back alone: the transaction goes on.
    if (group[0]!.kind !== 'upsert' || !collidingUniqueKey(err, group[0]!.table)) throw err;
  }
  const evictions: Eviction[] = [];
  for (const op of group) {
    for (let evicted = 0; ; evicted++) {
      const single = statementFor([op]);
      try {
        await conn.query(single.sql, single.values);
        break;
      } catch (err) {
        const unique = collidingUniqueKey(err, op.table);
        if (!unique || evicted >= MAX_EVICTIONS_PER_OP) throw err;
        const key = await holderKey(conn, op, unique.columns);
        const eviction = evictionStatement(op, unique.columns);
        await conn.query(eviction.sql, eviction.values);
        evictions.push({
          table: `${op.table.database}.${op.table.table}`,
          key,
          for: keyOf(op.table, op.row),
          uniqueKey: unique.name,
        });
      }
    }
  }
  return evictions;
}
