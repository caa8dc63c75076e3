// AUTO_INCREMENT after the drain: the target's counter raised to at least the frozen source
// table's. Copied and streamed rows carry their ids, which moves the counter past the largest id
// on the target, but not past ids the source handed out and then lost (rows deleted at the top of
// the range, inserts rolled back): the application must never be given those ids again.
import type mysql from 'mysql2/promise';
import type { AutoIncrementSync } from '../../contract/activities.js';
import { qualified } from '../../contract/identifiers.js';
import type { Clusters, Queryable } from '../clusters.js';

/** The table's next AUTO_INCREMENT value, or undefined when it has none. */
export async function autoIncrementOf(conn: Queryable, database: string, table: string): Promise<bigint | undefined> {
  // SHOW CREATE TABLE reads the live counter on both flavors (MySQL 8 caches information_schema's).
  const [rows] = await conn.query<mysql.RowDataPacket[]>(`SHOW CREATE TABLE ${qualified(database, table)}`);
  const ddl = String(rows[0]!['Create Table']);
  // The table options line (`) ENGINE=... AUTO_INCREMENT=N ...`), not a comment or a default.
  const options = /\n\)([^\n]*)/.exec(ddl)?.[1] ?? '';
  const value = /\bAUTO_INCREMENT=(\d+)/.exec(options)?.[1];
  return value === undefined ? undefined : BigInt(value);
}

/** Raises each target table's counter to the source's; returns the tables it raised. */
export async function syncAutoIncrement(clusters: Clusters, sync: AutoIncrementSync): Promise<string[]> {
  const source = clusters.pool(sync.source);
  const target = clusters.pool(sync.target);
  const raised: string[] = [];
  for (const pair of sync.tables) {
    const wanted = await autoIncrementOf(source, sync.database, pair.sourceTable);
    if (wanted === undefined) continue;
    const current = await autoIncrementOf(target, sync.targetDatabase, pair.targetTable);
    if (current !== undefined && current >= wanted) continue;
    await target.query(`ALTER TABLE ${qualified(sync.targetDatabase, pair.targetTable)} AUTO_INCREMENT = ${wanted}`);
    raised.push(pair.targetTable);
  }
  return raised;
}
