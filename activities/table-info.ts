// Table facts read from information_schema on either side: existence, primary key, columns, row
// estimate.
import type mysql from 'mysql2/promise';
import { failure } from '../contract/failures.js';
import { quoteIdentifier } from '../contract/identifiers.js';
import type { Queryable } from './clusters.js';
import type { TargetTable } from './target/row-apply.js';

/** Primary-key columns of `database.table` in key order; [] when the table has none, undefined when it does not exist. */
export async function primaryKeyColumns(
  conn: Queryable,
  database: string,
  table: string,
): Promise<string[] | undefined> {
  const [tables] = await conn.query<mysql.RowDataPacket[]>(
    'SELECT TABLE_TYPE AS type FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [database, table],
  );
  if (tables.length === 0) return undefined;
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    `SELECT COLUMN_NAME AS name FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX`,
    [database, table],
  );
  return rows.map((row) => String(row.name));
}

export interface Column {
  name: string;
  /** information_schema DATA_TYPE, lower case: `int`, `float`, `varchar`... */
  dataType: string;
}

/** Columns in table order. */
export async function tableColumns(conn: Queryable, database: string, table: string): Promise<Column[]> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    'SELECT COLUMN_NAME AS name, DATA_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [database, table],
  );
  return rows.map((row) => ({ name: String(row.name), dataType: String(row.type).toLowerCase() }));
}

/**
 * A column as a SELECT expression that reads its exact value. FLOAT prints about 6 significant
 * digits, a different float32 than stored; as DOUBLE it prints the stored value exactly, and
 * stored back into a FLOAT it rounds to the same float32.
 */
export function exactValue(column: Column): string {
  const quoted = quoteIdentifier(column.name);
  return column.dataType === 'float' ? `CAST(${quoted} AS DOUBLE)` : quoted;
}

/** The server's row estimate (information_schema.TABLES.TABLE_ROWS): cheap, approximate. */
export async function estimatedRows(conn: Queryable, database: string, table: string): Promise<number> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    'SELECT TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [database, table],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Where each moved table's rows go on the target; fails clearly when a table is missing or keyless. */
export async function readTargetTables(
  target: Queryable,
  database: string,
  tables: string[],
): Promise<Map<string, TargetTable>> {
  const result = new Map<string, TargetTable>();
  for (const table of tables) {
    const primaryKey = await primaryKeyColumns(target, database, table);
    if (primaryKey === undefined)
      throw failure('MissingTable', `target table ${database}.${table} does not exist`, { database, table });
    if (primaryKey.length === 0)
      throw failure('NoPrimaryKey', `target table ${database}.${table} has no primary key`, { database, table });
    result.set(table, { database, table, primaryKey });
  }
  return result;
}
