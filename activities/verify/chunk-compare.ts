// One table compared on two sides chunk by chunk in row-key order, shared by the checksum
// verification (verify-tables.ts) and the diff at one GTID (diff-tables.ts). Each side computes
// COUNT(*) and a digest of its rows (chunkDigestSql) over the same key range; a chunk that differs is
// re-read row by row on both sides to name the keys that differ.
import type mysql from 'mysql2/promise';
import { qualified } from '../../contract/identifiers.js';
import type { Queryable } from '../clusters.js';
import { afterKey, orderBy, upToKey, type Key, type KeyPart } from '../copy/keyset.js';
import { NUMERIC_TYPES } from '../copy/row-literals.js';
import { exactValue, keyColumns, keyPart, keyValue, rowKeyOf, tableColumns, type Column } from '../table-info.js';

/** Most differing keys named per chunk. */
const MAX_LISTED_KEYS = 20;

/** Types whose text never holds '#' and stays short: hashed as they are, in the row's digest. */
const PLAIN_TYPES: ReadonlySet<string> = new Set([...NUMERIC_TYPES, 'date', 'datetime', 'timestamp', 'time']);

/** A column's part of its row's digest text: NULL as 'N', apart from any value. */
function digestPart(column: Column): string {
  if (column.dataType === 'bit') return `IFNULL(HEX(${exactValue(column)}), 'N')`;
  if (PLAIN_TYPES.has(column.dataType)) return `IFNULL(${exactValue(column)}, 'N')`;
  return `IFNULL(MD5(${exactValue(column)}), 'N')`;
}

/**
 * A row's digest: the MD5 of its columns' parts joined by '#', in order. Numbers and times are
 * their exact text (FLOAT read as DOUBLE), BIT its hex, anything else (strings, JSON, BLOBs) the
 * MD5 of its value: no part holds '#', so the joined text is one row's alone, and it never grows
 * past a few hundred bytes (a concatenation of large values past max_allowed_packet would be NULL
 * on both sides and hide a difference). Hashing only the other types costs half the server time of
 * hashing every column on a 15-column table.
 */
function rowDigestSql(columns: Column[]): string {
  return `MD5(CONCAT_WS('#', ${columns.map(digestPart).join(', ')}))`;
}

/**
 * Each side's digest of a chunk: the 128-bit XOR of its rows' digests. MD5 is not linear, so
 * values swapped between rows change the digest (a CRC32 XOR would cancel out).
 */
export function chunkDigestSql(columns: Column[]): string {
  const row = rowDigestSql(columns);
  return `CONCAT(BIT_XOR(CAST(CONV(LEFT(${row}, 16), 16, 10) AS UNSIGNED)), ':', BIT_XOR(CAST(CONV(RIGHT(${row}, 16), 16, 10) AS UNSIGNED)))`;
}

/** A table and its copy, each on the connection that reads it (a pool, or a snapshot's connection). */
export interface ComparedTable {
  source: Queryable;
  target: Queryable;
  sourceTable: string;
  targetTable: string;
  key: KeyPart[];
  keyValues: string;
  columns: Column[];
  checksum: string;
}

/** Reads the table's row key and columns on the source (`describedSource` names it in errors). */
export async function comparedTable(
  sides: { source: Queryable; target: Queryable },
  tables: { database: string; sourceTable: string; targetDatabase: string; targetTable: string },
  describedSource: string,
): Promise<ComparedTable> {
  const rowKey = await rowKeyOf(sides.source, tables.database, tables.sourceTable, describedSource);
  const columns = await tableColumns(sides.source, tables.database, tables.sourceTable);
  // Bound in each key column's own type (keyset.ts KeyPart): chunk bounds compare exactly on any server.
  const keyed = keyColumns(rowKey, columns);
  return {
    ...sides,
    sourceTable: qualified(tables.database, tables.sourceTable),
    targetTable: qualified(tables.targetDatabase, tables.targetTable),
    key: keyed.map(keyPart),
    keyValues: keyed.map(keyValue).join(', '),
    columns,
    checksum: chunkDigestSql(columns),
  };
}

export interface ChunkOutcome {
  /** The chunk's last key (inclusive); null: open-ended. */
  to: Key | null;
  /** The chunk reached `upTo`: the range is done. */
  last: boolean;
  sourceRows: number;
  targetRows: number;
  differs: boolean;
  /** With `listDifferingKeys`, on a chunk that differs: keys whose rows differ or exist on one side only. */
  differingKeys?: unknown[][];
}

/**
 * The next chunk of the range (`from`, `upTo`]: up to `chunkSize` source rows, compared on both
 * sides. Its bound is the chunkSize-th source key after `from`, or `upTo` when fewer remain.
 */
export async function compareChunk(
  t: ComparedTable,
  from: Key | null,
  upTo: Key | null,
  chunkSize: number,
  listDifferingKeys: boolean,
): Promise<ChunkOutcome> {
  const after = afterKey(t.key, from);
  const below = upToKey(t.key, upTo);
  const [bounds] = await t.source.query<mysql.RowDataPacket[]>({
    sql: `SELECT ${t.keyValues} FROM ${t.sourceTable} WHERE ${after.sql} AND ${below.sql} ORDER BY ${orderBy(t.key.map((part) => part.name))} LIMIT 1 OFFSET ?`,
    values: [...after.values, ...below.values, chunkSize - 1],
    rowsAsArray: true,
  });
  const bound = (bounds[0] as unknown as Key | undefined) ?? null;
  const to = bound ?? upTo;
  const [source, target] = await Promise.all([
    chunkSummary(t.source, t.sourceTable, t, from, to),
    chunkSummary(t.target, t.targetTable, t, from, to),
  ]);
  const differs = source.rows !== target.rows || source.checksum !== target.checksum;
  return {
    to,
    last: bound === null,
    sourceRows: source.rows,
    targetRows: target.rows,
    differs,
    ...(differs && listDifferingKeys ? { differingKeys: await differingKeys(t, from, to) } : {}),
  };
}

async function chunkSummary(conn: Queryable, table: string, t: ComparedTable, from: Key | null, to: Key | null) {
  const lower = afterKey(t.key, from);
  const upper = upToKey(t.key, to);
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    `SELECT COUNT(*) AS n, ${t.checksum} AS x FROM ${table} WHERE ${lower.sql} AND ${upper.sql}`,
    [...lower.values, ...upper.values],
  );
  return { rows: Number(rows[0]!.n), checksum: String(rows[0]!.x ?? '0') };
}

/** Each row's key and digest in a key range, in key order. */
async function rowDigests(conn: Queryable, table: string, t: ComparedTable, from: Key | null, to: Key | null) {
  const lower = afterKey(t.key, from);
  const upper = upToKey(t.key, to);
  const [rows] = await conn.query<mysql.RowDataPacket[]>({
    sql: `SELECT ${t.keyValues}, ${rowDigestSql(t.columns)} FROM ${table} WHERE ${lower.sql} AND ${upper.sql} ORDER BY ${orderBy(t.key.map((part) => part.name))}`,
    values: [...lower.values, ...upper.values],
    rowsAsArray: true,
  });
  return new Map((rows as unknown as unknown[][]).map((row) => [JSON.stringify(row.slice(0, -1)), String(row.at(-1))]));
}

/** Keys whose rows differ between the two sides of a range, re-read row by row. */
async function differingKeys(t: ComparedTable, from: Key | null, to: Key | null): Promise<unknown[][]> {
  const [a, b] = await Promise.all([
    rowDigests(t.source, t.sourceTable, t, from, to),
    rowDigests(t.target, t.targetTable, t, from, to),
  ]);
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys]
    .filter((k) => a.get(k) !== b.get(k))
    .slice(0, MAX_LISTED_KEYS)
    .map((k) => JSON.parse(k) as unknown[]);
}
