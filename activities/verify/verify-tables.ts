// Checksum parity between the frozen source tables (`_t_del`) and the target, chunk by chunk in
// row-key order. Each side computes COUNT(*) and a digest of its rows (chunkDigestSql) over
// the same key range; a chunk that differs is reported with its key range so an operator can look
// at exactly those rows.
import { Context } from '@temporalio/activity';
import type mysql from 'mysql2/promise';
import type { VerifyInput, VerifyReport, VerifyTableReport } from '../../contract/activities.js';
import { qualified } from '../../contract/identifiers.js';
import type { Clusters } from '../clusters.js';
import { afterKey, orderBy, upToKey, type Key, type KeyPart } from '../copy/keyset.js';
import { exactValue, keyColumns, keyPart, keyValue, rowKeyOf, tableColumns, type Column } from '../table-info.js';

/** Most mismatched ranges listed per table; the count is always exact. */
const MAX_LISTED_MISMATCHES = 50;

/**
 * A row's digest: the MD5 of each column's own MD5 (its exact value: FLOAT as DOUBLE; NULL apart
 * from any string), in order. Hashing each column on its own never builds a string larger than the
 * largest value (a hex concatenation past max_allowed_packet turns into NULL on both sides).
 */
function rowDigestSql(columns: Column[]): string {
  return `MD5(CONCAT_WS('#', ${columns.map((c) => `IFNULL(MD5(${exactValue(c)}), 'N')`).join(', ')}))`;
}

/**
 * Each side's digest of a chunk: the 128-bit XOR of its rows' digests. MD5 is not linear, so
 * values swapped between rows change the digest (a CRC32 XOR would cancel out).
 */
export function chunkDigestSql(columns: Column[]): string {
  const row = rowDigestSql(columns);
  return `CONCAT(BIT_XOR(CAST(CONV(LEFT(${row}, 16), 16, 10) AS UNSIGNED)), ':', BIT_XOR(CAST(CONV(RIGHT(${row}, 16), 16, 10) AS UNSIGNED)))`;
}

/** Most differing keys named per chunk. */
const MAX_LISTED_KEYS = 20;

/** Each row's key and digest in a key range, in key order. */
async function rowDigests(
  conn: mysql.Pool,
  table: string,
  key: KeyPart[],
  columns: Column[],
  from: Key | null,
  to: Key | null,
) {
  const lower = afterKey(key, from);
  const upper = upToKey(key, to);
  const digest = rowDigestSql(columns);
  const keyValues = key.map((part) => keyValue(columns.find((c) => c.name === part.name)!));
  const [rows] = await conn.query<mysql.RowDataPacket[]>({
    sql: `SELECT ${keyValues.join(', ')}, ${digest} FROM ${table} WHERE ${lower.sql} AND ${upper.sql} ORDER BY ${orderBy(key.map((part) => part.name))}`,
    values: [...lower.values, ...upper.values],
    rowsAsArray: true,
  });
  return new Map((rows as unknown as unknown[][]).map((row) => [JSON.stringify(row.slice(0, -1)), String(row.at(-1))]));
}

/** Keys whose rows differ between the two sides of a range, re-read row by row. */
async function differingKeys(
  source: mysql.Pool,
  target: mysql.Pool,
  tables: { source: string; target: string },
  key: KeyPart[],
  columns: Column[],
  from: Key | null,
  to: Key | null,
): Promise<unknown[][]> {
  const [a, b] = await Promise.all([
    rowDigests(source, tables.source, key, columns, from, to),
    rowDigests(target, tables.target, key, columns, from, to),
  ]);
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys]
    .filter((k) => a.get(k) !== b.get(k))
    .slice(0, MAX_LISTED_KEYS)
    .map((k) => JSON.parse(k) as unknown[]);
}

async function chunkSummary(
  conn: mysql.Pool,
  table: string,
  key: KeyPart[],
  checksum: string,
  from: Key | null,
  to: Key | null,
) {
  const lower = afterKey(key, from);
  const upper = upToKey(key, to);
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    `SELECT COUNT(*) AS n, ${checksum} AS x FROM ${table} WHERE ${lower.sql} AND ${upper.sql}`,
    [...lower.values, ...upper.values],
  );
  return { rows: Number(rows[0]!.n), checksum: String(rows[0]!.x ?? '0') };
}

async function verifyTable(
  clusters: Clusters,
  input: VerifyInput,
  pair: VerifyInput['tables'][number],
  progress: () => void,
): Promise<VerifyTableReport> {
  const sourcePool = clusters.pool(input.source);
  const targetPool = clusters.pool(input.target);
  const rowKey = await rowKeyOf(sourcePool, input.database, pair.sourceTable, clusters.describe(input.source));
  const columns = await tableColumns(sourcePool, input.database, pair.sourceTable);
  // Bound in each key column's own type (keyset.ts KeyPart): chunk bounds compare exactly on any server.
  const key = keyColumns(rowKey, columns).map(keyPart);
  const keyValues = keyColumns(rowKey, columns).map(keyValue).join(', ');
  const checksum = chunkDigestSql(columns);
  const sourceTable = qualified(input.database, pair.sourceTable);
  const targetTable = qualified(input.targetDatabase, pair.targetTable);
  const report: VerifyTableReport = {
    table: pair.targetTable,
    sourceTable: pair.sourceTable,
    sourceRows: 0,
    targetRows: 0,
    chunks: 0,
    mismatchedChunks: 0,
    mismatches: [],
  };
  let from: Key | null = null;
  for (;;) {
    // The chunk's upper bound: the chunkSize-th source key after `from`, or open-ended.
    const after = afterKey(key, from);
    const [bounds] = await sourcePool.query<mysql.RowDataPacket[]>({
      sql: `SELECT ${keyValues} FROM ${sourceTable} WHERE ${after.sql} ORDER BY ${orderBy(key.map((part) => part.name))} LIMIT 1 OFFSET ?`,
      values: [...after.values, input.chunkSize - 1],
      rowsAsArray: true,
    });
    const to = (bounds[0] as unknown as Key | undefined) ?? null;
    const [source, target] = await Promise.all([
      chunkSummary(sourcePool, sourceTable, key, checksum, from, to),
      chunkSummary(targetPool, targetTable, key, checksum, from, to),
    ]);
    report.chunks++;
    report.sourceRows += source.rows;
    report.targetRows += target.rows;
    if (source.rows !== target.rows || source.checksum !== target.checksum) {
      report.mismatchedChunks++;
      if (report.mismatches.length < MAX_LISTED_MISMATCHES) {
        const keys = input.listDifferingKeys
          ? await differingKeys(
              sourcePool,
              targetPool,
              { source: sourceTable, target: targetTable },
              key,
              columns,
              from,
              to,
            )
          : undefined;
        report.mismatches.push({
          afterKey: from,
          upToKey: to,
          sourceRows: source.rows,
          targetRows: target.rows,
          ...(keys ? { differingKeys: keys } : {}),
        });
      }
    }
    progress();
    if (to === null) return report;
    from = to;
  }
}

/** Activity `verifyTables`. */
export async function verifyTables(clusters: Clusters, input: VerifyInput): Promise<VerifyReport> {
  const ctx = Context.current();
  const started = Date.now();
  const tables: VerifyTableReport[] = [];
  for (const pair of input.tables) {
    tables.push(await verifyTable(clusters, input, pair, () => ctx.heartbeat({ table: pair.targetTable })));
  }
  return { ok: tables.every((t) => t.mismatchedChunks === 0), tables, durationMs: Date.now() - started };
}
