// The check of the moved tables that prepare and the cutover's validation share: everything on
// the source that would make a move or a cutover fail half-way, found before the first change.
import type mysql from 'mysql2/promise';
import { failure } from '../../contract/failures.js';
import { oldTableName } from '../../contract/identifiers.js';
import type { MovedTables } from '../../contract/tables.js';
import type { Clusters } from '../clusters.js';
import { checkSourceBinlog, serverIdentity } from '../source/server.js';
import { chooseRowKey } from '../row-key.js';
import { rowKeyOf } from '../table-info.js';
import { checkSchemaRules } from './schema-rules.js';

/**
 * Both clusters known and two servers; the source binlog streamable; the database and each table
 * present, with a row key, and the table's T1 name free; the schema rules (schema-rules.ts) kept.
 * Returns the warnings of those rules.
 */
export async function checkSourceTables(clusters: Clusters, tables: MovedTables): Promise<string[]> {
  clusters.settings(tables.source);
  clusters.settings(tables.target);
  await checkSourceBinlog(clusters, tables.source);
  const source = clusters.pool(tables.source);
  const [sourceId, targetId] = await Promise.all([
    serverIdentity(source),
    serverIdentity(clusters.pool(tables.target)),
  ]);
  if (sourceId === targetId) {
    const [hostPort, serverId] = sourceId.split('#');
    throw failure(
      'InvalidInput',
      `source and target are the same server (server_id ${serverId}, ${hostPort}): a move needs two servers; the move's own writes to the target would be binlogged and streamed back`,
    );
  }
  const where = clusters.describe(tables.source);
  const [databases] = await source.query<mysql.RowDataPacket[]>(
    'SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
    [tables.database],
  );
  if (!databases.length) throw failure('MissingTable', `database ${tables.database} does not exist on ${where}`);
  for (const table of tables.tables) {
    await rowKeyOf(source, tables.database, table, where);
    const old = oldTableName(table, tables.oldTableTemplate);
    if ((await chooseRowKey(source, tables.database, old)).kind !== 'missing') {
      throw failure(
        'RenameStateConflict',
        `${tables.database}.${old} already exists on the source: the cutover RENAME of ${table} to ${old} would fail; drop or rename it first`,
        { table: old },
      );
    }
  }
  return checkSchemaRules(source, tables);
}
