// Prepare: validate everything a move depends on, create the target tables with the source's
// definitions, and record the GTID position the stream starts from (read before any row is
// copied, so the stream covers every change the copy might miss).
import { Context } from '@temporalio/activity';
import type mysql from 'mysql2/promise';
import type { ApplicationFailure } from '@temporalio/common';
import type { PrepareInput, PrepareResult } from '../../contract/activities.js';
import { failure, type FailureType } from '../../contract/failures.js';
import { oldTableName, qualified, quoteIdentifier } from '../../contract/identifiers.js';
import { reversed, type MovedTables } from '../../contract/tables.js';
import type { Clusters } from '../clusters.js';
import { readRetentionFacts, retentionWarning } from '../source/managed-platform.js';
import { checkPrivileges } from '../source/privileges.js';
import { checkSourceBinlog, currentGtidPosition } from '../source/server.js';
import { resetMoveState, STATE_DATABASE } from '../target/state-store.js';
import { chooseRowKey } from '../row-key.js';
import { createTableText, estimatedRows } from '../table-info.js';
import { checkSourceTables } from './source-tables.js';
import { acceptsLocalLoad, LOCAL_LOAD_OFF } from '../target/load-rows.js';
import { deferKeys, keysDeferredBefore } from '../target/deferred-keys.js';
import type { DeferredKey } from '../../contract/activities.js';

async function targetTableState(
  target: mysql.Pool,
  database: string,
  table: string,
): Promise<'absent' | 'empty' | 'has-rows'> {
  if ((await chooseRowKey(target, database, table)).kind === 'missing') return 'absent';
  const [rows] = await target.query<mysql.RowDataPacket[]>(`SELECT 1 FROM ${qualified(database, table)} LIMIT 1`);
  return rows.length ? 'has-rows' : 'empty';
}

/**
 * A reversible move streams the other way after its cutover: everything that needs is checked
 * now, never discovered after the application has moved.
 */
async function checkReversePath(clusters: Clusters, tables: MovedTables): Promise<void> {
  try {
    await checkSourceBinlog(clusters, tables.target);
  } catch (err) {
    const cause = err as ApplicationFailure;
    throw failure(
      (cause.type ?? 'BinlogMisconfigured') as FailureType,
      `a reversible move streams the target's changes back to the source after the cutover, so the target's binlog must be streamable too: ${cause.message} (or start the move with reversible: false)`,
    );
  }
  await checkPrivileges(clusters, 'reverse source', tables.source, tables.database);
  await checkPrivileges(clusters, 'reverse state', tables.source, STATE_DATABASE);
  await checkPrivileges(clusters, 'reverse target', tables.target, tables.targetDatabase);
  // A revert renames the target's tables to their old names there.
  const target = clusters.pool(tables.target);
  for (const table of tables.tables) {
    const old = oldTableName(table, tables.oldTableTemplate);
    if ((await chooseRowKey(target, tables.targetDatabase, old)).kind !== 'missing')
      throw failure(
        'RenameStateConflict',
        `${tables.targetDatabase}.${old} already exists on the target: a revert of this reversible move would rename ${table} to it there; drop or rename it first`,
        { table: old },
      );
  }
}

/** Activity `prepareMove`. */
export async function prepareMove(clusters: Clusters, input: PrepareInput): Promise<PrepareResult> {
  const { reversible, deferSecondaryKeys, ...tables } = input;
  const warnings = await checkSourceTables(clusters, tables);
  await checkPrivileges(clusters, 'source', tables.source, tables.database);
  await checkPrivileges(clusters, 'target', tables.target, tables.targetDatabase);
  if (reversible) await checkReversePath(clusters, tables);
  const source = clusters.pool(tables.source);
  const target = clusters.pool(tables.target);
  if (!(await acceptsLocalLoad(target))) warnings.push(LOCAL_LOAD_OFF);
  const retention = retentionWarning(await readRetentionFacts(source), clusters.describe(tables.source));
  if (retention) warnings.push(retention);
  const log = Context.current().log;
  for (const warning of warnings) log.warn(warning);

  const toCreate: string[] = [];
  const deferredKeys: Record<string, DeferredKey[]> = {};
  for (const table of tables.tables) {
    const state = await targetTableState(target, tables.targetDatabase, table);
    if (state === 'has-rows') {
      throw failure(
        'TargetNotEmpty',
        `target table ${tables.targetDatabase}.${table} already holds rows on ${clusters.describe(tables.target)}: a move needs it absent or empty`,
        { table },
      );
    }
    if (state === 'absent') toCreate.push(table);
    // An earlier attempt of this prepare created it and left its keys out: they still are.
    else if (deferSecondaryKeys) {
      const keys = await keysDeferredBefore(target, source, tables, table);
      if (keys.length) deferredKeys[table] = keys;
    }
  }

  await resetMoveState(target, tables.streamId);
  // The reverse stream starts from the position its cutover records, never from an earlier move's.
  if (reversible) await resetMoveState(source, reversed(tables).streamId);
  // Read the start position before the copy reads any row.
  const startPosition = await currentGtidPosition(source);
  await target.query(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(tables.targetDatabase)}`);
  // A child table may come before its parent: created like the rows are written, without FK checks.
  const creator = await clusters.connectTargetWriter(tables.target);
  try {
    for (const table of toCreate) {
      const ddl = (await createTableText(source, tables.database, table)).replace(
        /^CREATE TABLE `(?:[^`]|``)+`/,
        `CREATE TABLE ${qualified(tables.targetDatabase, table)}`,
      );
      try {
        await creator.query(ddl);
      } catch (err) {
        throw failure(
          'CreateTableFailed',
          `creating ${tables.targetDatabase}.${table} on the target failed: ${(err as Error).message}`,
          { table },
        );
      }
      if (deferSecondaryKeys) {
        const keys = await deferKeys(creator, source, tables, table);
        if (keys.length) deferredKeys[table] = keys;
      }
    }
  } finally {
    await creator.end().catch(() => undefined);
  }
  const estimates = await Promise.all(tables.tables.map((t) => estimatedRows(source, tables.database, t)));
  return {
    startPosition,
    createdTables: toCreate,
    estimatedRows: Object.fromEntries(tables.tables.map((t, i) => [t, estimates[i]!])),
    warnings,
    ...(Object.keys(deferredKeys).length ? { deferredKeys } : {}),
  };
}
