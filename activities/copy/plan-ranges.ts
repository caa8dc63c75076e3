// Splits a table's key space into ranges of about equal row counts for a parallel copy. The split
// keys are found by walking the row key's index once (each boundary `step` rows after the last),
// so the ranges follow the data, whatever the key's type or spread.
import { Context } from '@temporalio/activity';
import type mysql from 'mysql2/promise';
import type { CopyRange, CopyRangesInput } from '../../contract/activities.js';
import { qualified } from '../../contract/identifiers.js';
import type { Clusters } from '../clusters.js';
import { estimatedRows, keyColumns, keyValue, rowKeyOf, tableColumns } from '../table-info.js';
import { afterKey, encodeKey, orderBy, type Key } from './keyset.js';

/** A range smaller than this costs more in coordination than its parallelism gains. */
export const MIN_RANGE_ROWS = 20_000;

/** Ranges covering every key: the first open below, the last open above, each after the previous. */
export function rangesFrom(boundaries: string[]): CopyRange[] {
  return [...boundaries, undefined].map((upTo, index) => ({
    index,
    ...(index > 0 ? { after: boundaries[index - 1] } : {}),
    ...(upTo === undefined ? {} : { upTo }),
  }));
}

/** Activity `planCopyRanges`. */
export async function planCopyRanges(clusters: Clusters, input: CopyRangesInput): Promise<CopyRange[]> {
  const pool = clusters.pool(input.source);
  const rows = await estimatedRows(pool, input.database, input.table);
  const count = Math.max(1, Math.min(Math.floor(input.ranges), Math.floor(rows / MIN_RANGE_ROWS)));
  if (count === 1) return rangesFrom([]);
  const rowKey = await rowKeyOf(pool, input.database, input.table, clusters.describe(input.source));
  const columns = keyColumns(rowKey, await tableColumns(pool, input.database, input.table));
  const step = Math.floor(rows / count);
  const boundaries: string[] = [];
  let last: Key | null = null;
  for (let i = 1; i < count; i++) {
    const after = afterKey(rowKey.columns, last);
    const [found] = await pool.query<mysql.RowDataPacket[]>({
      sql: `SELECT ${columns.map(keyValue).join(', ')} FROM ${qualified(input.database, input.table)} WHERE ${after.sql} ORDER BY ${orderBy(rowKey.columns)} LIMIT 1 OFFSET ?`,
      values: [...after.values, step - 1],
      rowsAsArray: true,
    });
    // Fewer rows than estimated: the last range takes the rest.
    if (found.length === 0) break;
    last = found[0] as unknown as Key;
    boundaries.push(encodeKey(last));
    Context.current().heartbeat({ boundaries: boundaries.length });
  }
  return rangesFrom(boundaries);
}
