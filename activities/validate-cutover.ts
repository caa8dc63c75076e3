// Pre-flight of a cutover: everything that would make it fail half-way is checked before the
// first change, with an error that names the problem.
import type mysql from 'mysql2/promise';
import type { CutOverCheck } from '../workflows/types.js';
import type { Clusters } from './connections.js';
import { readClusterDescription } from './describe-cluster.js';
import { failure } from './errors.js';
import { oldTableName } from './identifiers.js';
import { readStreamState } from './stream-state.js';
import { primaryKeyColumns, readTargetTables } from './table-info.js';

export async function checkSourceBinlog(clusters: Clusters, source: string): Promise<void> {
  const description = await readClusterDescription(clusters, source);
  const where = clusters.describe(source);
  if (!description.logBin) throw failure('BinlogMisconfigured', `binary log is off on ${where}: enable log_bin`);
  if (description.binlogFormat !== 'ROW') throw failure('BinlogMisconfigured', `binlog_format is ${description.binlogFormat} on ${where}: it must be ROW`);
  if (description.binlogRowImage !== 'FULL') throw failure('BinlogMisconfigured', `binlog_row_image is ${description.binlogRowImage} on ${where}: it must be FULL`);
  if (description.flavor === 'mysql') {
    const [rows] = await clusters.pool(source).query<mysql.RowDataPacket[]>('SELECT @@global.gtid_mode AS mode');
    if (String(rows[0]?.mode) !== 'ON') throw failure('BinlogMisconfigured', `gtid_mode is ${String(rows[0]?.mode)} on ${where}: it must be ON`);
  }
}

export async function validateCutOver(clusters: Clusters, check: CutOverCheck): Promise<void> {
  clusters.settings(check.source);
  clusters.settings(check.target);
  await checkSourceBinlog(clusters, check.source);
  const source = clusters.pool(check.source);
  for (const table of check.tables) {
    const key = await primaryKeyColumns(source, check.database, table);
    if (key === undefined) throw failure('MissingTable', `source table ${check.database}.${table} does not exist on ${clusters.describe(check.source)}`, { table });
    if (key.length === 0) throw failure('NoPrimaryKey', `source table ${check.database}.${table} has no primary key`, { table });
    const old = oldTableName(table, check.oldTableTemplate);
    if ((await primaryKeyColumns(source, check.database, old)) !== undefined) {
      throw failure('RenameStateConflict', `${check.database}.${old} already exists on the source: the RENAME of ${table} to ${old} would fail; drop or rename it first`, { table: old });
    }
  }
  const target = clusters.pool(check.target);
  await readTargetTables(target, check.targetDatabase, check.tables);
  const state = await readStreamState(target, check.streamId);
  if (!state) throw failure('StreamNotRegistered', `no stream "${check.streamId}" is registered on ${clusters.describe(check.target)}: start the stream before the cutover, or nothing could drain`, { streamId: check.streamId });
  if (state.cutOverComplete) throw failure('StreamNotRegistered', `stream "${check.streamId}" has already completed its cutover (drain GTID ${state.drainGtid})`, { streamId: check.streamId });
}
