// Prepare: validate everything a move depends on, create the target tables with the source's
// definitions, and record the GTID position the stream starts from (read before any row is
// copied, so the stream covers every change the copy might miss).
import type mysql from 'mysql2/promise';
import type { MovedTablesSpec, PrepareResult } from '../workflows/types.js';
import type { Clusters } from './connections.js';
import { currentGtidPosition } from './drain.js';
import { failure } from './errors.js';
import { oldTableName, qualified, quoteIdentifier } from './identifiers.js';
import { grantsOfCurrentUser, missingPrivileges, REQUIRED_PRIVILEGES } from './privileges.js';
import { estimatedRows, primaryKeyColumns } from './table-info.js';
import { resetStream } from './stream-state.js';
import { checkSourceBinlog } from './validate-cutover.js';

async function checkPrivileges(clusters: Clusters, role: 'source' | 'target', cluster: string, database: string): Promise<void> {
  const missing = missingPrivileges(await grantsOfCurrentUser(clusters.pool(cluster)), database, REQUIRED_PRIVILEGES[role]);
  if (missing.length) {
    throw failure('MissingPrivilege', `the worker's account on ${clusters.describe(cluster)} lacks ${missing.join(', ')} (on *.* or ${database}.*), needed on the ${role} (see README, "Privileges")`, { cluster, missing });
  }
}

async function targetTableState(target: mysql.Pool, database: string, table: string): Promise<'absent' | 'empty' | 'has-rows'> {
  const key = await primaryKeyColumns(target, database, table);
  if (key === undefined) return 'absent';
  const [rows] = await target.query<mysql.RowDataPacket[]>(`SELECT 1 FROM ${qualified(database, table)} LIMIT 1`);
  return rows.length ? 'has-rows' : 'empty';
}

export async function prepareMove(clusters: Clusters, spec: MovedTablesSpec): Promise<PrepareResult> {
  clusters.settings(spec.source);
  clusters.settings(spec.target);
  await checkSourceBinlog(clusters, spec.source);
  await checkPrivileges(clusters, 'source', spec.source, spec.database);
  await checkPrivileges(clusters, 'target', spec.target, spec.targetDatabase);
  const source = clusters.pool(spec.source);
  const target = clusters.pool(spec.target);
  const [dbs] = await source.query<mysql.RowDataPacket[]>('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [spec.database]);
  if (!dbs.length) throw failure('MissingTable', `database ${spec.database} does not exist on ${clusters.describe(spec.source)}`);

  const toCreate: string[] = [];
  for (const table of spec.tables) {
    const key = await primaryKeyColumns(source, spec.database, table);
    if (key === undefined) throw failure('MissingTable', `source table ${spec.database}.${table} does not exist on ${clusters.describe(spec.source)}`, { table });
    if (key.length === 0) throw failure('NoPrimaryKey', `source table ${spec.database}.${table} has no primary key: rows cannot be matched between the clusters`, { table });
    const old = oldTableName(table, spec.oldTableTemplate);
    if ((await primaryKeyColumns(source, spec.database, old)) !== undefined) throw failure('RenameStateConflict', `${spec.database}.${old} already exists on the source: the cutover RENAME would fail; drop or rename it first`);
    const state = await targetTableState(target, spec.targetDatabase, table);
    if (state === 'has-rows') throw failure('TargetNotEmpty', `target table ${spec.targetDatabase}.${table} already holds rows on ${clusters.describe(spec.target)}: a move needs it absent or empty`, { table });
    if (state === 'absent') toCreate.push(table);
  }

  await resetStream(target, spec.streamId);
  // Read the start position before the copy reads any row.
  const startPosition = await currentGtidPosition(clusters, spec.source);
  await target.query(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(spec.targetDatabase)}`);
  for (const table of toCreate) {
    const [rows] = await source.query<mysql.RowDataPacket[]>(`SHOW CREATE TABLE ${qualified(spec.database, table)}`);
    const ddl = String(rows[0]!['Create Table']).replace(/^CREATE TABLE `(?:[^`]|``)+`/, `CREATE TABLE ${qualified(spec.targetDatabase, table)}`);
    try {
      await target.query(ddl);
    } catch (err) {
      throw failure('InvalidInput', `creating ${spec.targetDatabase}.${table} on the target failed: ${(err as Error).message}`, { table });
    }
  }
  const estimates = await Promise.all(spec.tables.map((t) => estimatedRows(source, spec.database, t)));
  return { startPosition, createdTables: toCreate, estimatedRows: Object.fromEntries(spec.tables.map((t, i) => [t, estimates[i]!])) };
}
