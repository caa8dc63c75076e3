// The key a move matches rows by: the primary key, or else (as gh-ost allows) a unique key whose
// columns are all NOT NULL, whole (no prefix), plain (not generated) and ordered (B-tree). Such a
// key names each row once on both sides, and keyset pagination can walk it.
import type mysql from 'mysql2/promise';
import type { Queryable } from './clusters.js';

export interface RowKey {
  /** `PRIMARY` or the unique key's name. */
  index: string;
  columns: string[];
}

export type KeyChoice =
  | { kind: 'missing' }
  /** A view, sequence or system-versioned table: TABLE_TYPE as the server reports it. */
  | { kind: 'not-a-table'; tableType: string }
  | { kind: 'keyless'; rejected: string[] }
  | { kind: 'key'; key: RowKey };

interface KeyPart {
  indexName: string;
  column: string;
  nullable: string;
  extra: string;
  subPart: unknown;
  indexType: string;
}

/** Why a unique key cannot be the row key, or undefined when it can. */
function unusable(parts: KeyPart[]): string | undefined {
  const name = parts[0]!.indexName;
  const nullable = parts.filter((p) => p.nullable === 'YES').map((p) => p.column);
  if (nullable.length) return `${name}: nullable column ${nullable.join(', ')} (NULLs repeat in a unique key)`;
  if (parts.some((p) => p.subPart !== null)) return `${name}: a prefix of a column`;
  if (parts.some((p) => /GENERATED/i.test(p.extra))) return `${name}: a generated column`;
  if (parts.some((p) => p.indexType !== 'BTREE')) return `${name}: a ${parts[0]!.indexType} index, not ordered`;
  return undefined;
}

export async function chooseRowKey(conn: Queryable, database: string, table: string): Promise<KeyChoice> {
  const [tables] = await conn.query<mysql.RowDataPacket[]>(
    'SELECT TABLE_TYPE AS type FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [database, table],
  );
  if (tables.length === 0) return { kind: 'missing' };
  const tableType = String(tables[0]!.type);
  if (tableType !== 'BASE TABLE') return { kind: 'not-a-table', tableType };
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    `SELECT s.INDEX_NAME AS indexName, s.COLUMN_NAME AS \`column\`, c.IS_NULLABLE AS nullable, c.EXTRA AS extra,
            s.SUB_PART AS subPart, s.INDEX_TYPE AS indexType
       FROM information_schema.STATISTICS s
       JOIN information_schema.COLUMNS c
         ON c.TABLE_SCHEMA = s.TABLE_SCHEMA AND c.TABLE_NAME = s.TABLE_NAME AND c.COLUMN_NAME = s.COLUMN_NAME
      WHERE s.TABLE_SCHEMA = ? AND s.TABLE_NAME = ? AND s.NON_UNIQUE = 0
      ORDER BY s.INDEX_NAME, s.SEQ_IN_INDEX`,
    [database, table],
  );
  const indexes = new Map<string, KeyPart[]>();
  for (const row of rows as unknown as KeyPart[]) {
    const parts = indexes.get(row.indexName) ?? [];
    parts.push({ ...row, indexName: String(row.indexName), column: String(row.column), extra: String(row.extra) });
    indexes.set(row.indexName, parts);
  }
  const primary = indexes.get('PRIMARY');
  if (primary) return { kind: 'key', key: { index: 'PRIMARY', columns: primary.map((p) => p.column) } };
  const rejected: string[] = [];
  const usable: RowKey[] = [];
  for (const parts of indexes.values()) {
    const problem = unusable(parts);
    if (problem) rejected.push(problem);
    else usable.push({ index: parts[0]!.indexName, columns: parts.map((p) => p.column) });
  }
  // The narrowest key: the cheapest to compare, store as a resume point and page by.
  usable.sort((a, b) => a.columns.length - b.columns.length || a.index.localeCompare(b.index));
  return usable[0] ? { kind: 'key', key: usable[0] } : { kind: 'keyless', rejected };
}
