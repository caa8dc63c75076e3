// A reversible move completed with its standby side's tables no longer wanted (`completeMove` with
// `dropStandbyTables`): that side's renamed tables are dropped, never a live table. It refuses when
// a table under its moved name exists on that side: then the application may write there, and the
// renamed tables are not a standby copy. Idempotent: a table already gone is not an error.
import type { DropStandbyInput } from '../../contract/activities.js';
import { failure } from '../../contract/failures.js';
import { oldTableName, qualified } from '../../contract/identifiers.js';
import type { Clusters } from '../clusters.js';
import { tablesPresent } from './rename.js';

/** Activity `dropStandbyTables`: the tables dropped (those still there). */
export async function dropStandbyTables(clusters: Clusters, input: DropStandbyInput): Promise<{ dropped: string[] }> {
  const pool = clusters.pool(input.cluster);
  const live = [...(await tablesPresent(pool, input.database, input.tables))];
  if (live.length)
    throw failure(
      'RenameStateConflict',
      `not dropping the renamed tables on ${clusters.describe(input.cluster)}: ${live.map((t) => `${input.database}.${t}`).join(', ')} exist there under their moved names, so that side may be live`,
      { tables: live },
    );
  const old = input.tables.map((t) => oldTableName(t, input.oldTableTemplate));
  const dropped = [...(await tablesPresent(pool, input.database, old))];
  for (const table of dropped) await pool.query(`DROP TABLE IF EXISTS ${qualified(input.database, table)}`);
  return { dropped: dropped.map((t) => `${input.database}.${t}`) };
}
