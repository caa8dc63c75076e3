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
 * A name found under another spelling: a server with lower_case_table_names=1 finds `Orders` when
 * it stores `orders`, but its binlog carries `orders`, and the stream matches names exactly, so
 * every change to the table would pass it by. The name must be given as stored.
 */
function refuseOtherSpelling(kind: 'database' | 'table', given: string, stored: string, where: string): void {
  if (given === stored) return;
  throw failure(
    'InvalidInput',
    `${kind} ${given} is stored as ${stored} on ${where} (lower_case_table_names: the server finds names in any case, but its binlog spells them as stored): name it ${stored}`,
    { [kind]: given, stored },
  );
}

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
    'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
    [tables.database],
  );
  if (!databases.length) throw failure('MissingTable', `database ${tables.database} does not exist on ${where}`);
  refuseOtherSpelling('database', tables.database, String(databases[0]!.name), where);
  for (const table of tables.tables) {
    await rowKeyOf(source, tables.database, table, where);
    const [stored] = await source.query<mysql.RowDataPacket[]>(
      'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [tables.database, table],
    );
    refuseOtherSpelling('table', table, String(stored[0]!.name), where);
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
