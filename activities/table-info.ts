// Table facts read from information_schema on either side: the row key, columns, row estimate.
import type mysql from 'mysql2/promise';
import { failure } from '../contract/failures.js';
import { qualified, quoteIdentifier } from '../contract/identifiers.js';
import type { Queryable } from './clusters.js';
import { chooseRowKey, type RowKey } from './row-key.js';
import type { KeyPart } from './copy/keyset.js';
import type { TargetTable } from './target/row-apply.js';

export interface Column {
  name: string;
  /** information_schema DATA_TYPE, lower case: `int`, `float`, `varchar`... */
  dataType: string;
  /** information_schema COLUMN_TYPE, lower case: `decimal(20,0) unsigned`, `bit(64)`... */
  columnType: string;
  /** VIRTUAL or STORED generated: the server computes it, nobody writes it. */
  generated: boolean;
}

/** Columns in table order (MariaDB's invisible columns included: they hold data too). */
export async function tableColumns(conn: Queryable, database: string, table: string): Promise<Column[]> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    'SELECT COLUMN_NAME AS name, DATA_TYPE AS type, COLUMN_TYPE AS columnType, EXTRA AS extra FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [database, table],
  );
  return rows.map((row) => ({
    name: String(row.name),
    dataType: String(row.type).toLowerCase(),
    columnType: String(row.columnType).toLowerCase(),
    generated: /\b(VIRTUAL|STORED|PERSISTENT) GENERATED\b/i.test(String(row.extra)),
  }));
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

/**
 * A key column as the value keyset pagination compares: ENUM and SET by their number, the order
 * ORDER BY and the index use (compared with a string they compare as text, another order).
 */
export function keyValue(column: Column): string {
  return column.dataType === 'enum' || column.dataType === 'set'
    ? `(${quoteIdentifier(column.name)} + 0)`
    : exactValue(column);
}

/**
 * How a key value is bound against `column` (keyset.ts `KeyPart`): DECIMAL as a DECIMAL of the
 * column's precision and scale, BIT as an unsigned integer; anything else as it is.
 */
export function keyPart(column: Column): KeyPart {
  const decimal = /^decimal\((\d+),(\d+)\)/.exec(column.columnType);
  if (decimal) return { name: column.name, placeholder: `CAST(? AS DECIMAL(${decimal[1]}, ${decimal[2]}))` };
  // A BIT key arrives as bytes (a hex literal when bound); in arithmetic a hex literal becomes a
  // DOUBLE on MariaDB, so its digits go through text to an exact unsigned integer.
  if (column.dataType === 'bit') return { name: column.name, placeholder: 'CAST(CONV(HEX(?), 16, 10) AS UNSIGNED)' };
  return { name: column.name, placeholder: '?' };
}

/** The key columns of `key`, as `columns` describes them. */
export function keyColumns(key: RowKey, columns: Column[]): Column[] {
  return key.columns.map((name) => columns.find((c) => c.name === name)!);
}

/** The row key of a table the move reads or writes: it exists, is a table, and has one. */
export async function rowKeyOf(conn: Queryable, database: string, table: string, where: string): Promise<RowKey> {
  const choice = await chooseRowKey(conn, database, table);
  const name = `${database}.${table}`;
  switch (choice.kind) {
    case 'key':
      return choice.key;
    case 'missing':
      throw failure('MissingTable', `table ${name} does not exist on ${where}`, { database, table });
    case 'not-a-table':
      throw failure(
        'UnsupportedTable',
        `${name} on ${where} is a ${choice.tableType}, not a base table: only tables move`,
        { database, table },
      );
    case 'keyless':
      throw failure(
        'NoPrimaryKey',
        `table ${name} on ${where} has no primary key and no unique key of NOT NULL columns: rows cannot be matched between the clusters; add a primary key first${choice.rejected.length ? ` (unique keys not usable: ${choice.rejected.join('; ')})` : ''}`,
        { database, table },
      );
  }
}

/** The table's definition as the server writes it (SHOW CREATE TABLE): live, on both flavors. */
export async function createTableText(conn: Queryable, database: string, table: string): Promise<string> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(`SHOW CREATE TABLE ${qualified(database, table)}`);
  return String(rows[0]!['Create Table']);
}

/** The server's average row length in bytes (information_schema.TABLES.AVG_ROW_LENGTH): a first guess at row size. */
export async function averageRowLength(conn: Queryable, database: string, table: string): Promise<number> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    'SELECT AVG_ROW_LENGTH AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [database, table],
  );
  return Number(rows[0]?.n ?? 0);
}

/** The server's row estimate (information_schema.TABLES.TABLE_ROWS): cheap, approximate. */
export async function estimatedRows(conn: Queryable, database: string, table: string): Promise<number> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    'SELECT TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [database, table],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Where each moved table's rows go on the target, and which columns the target computes itself. */
export async function readTargetTables(
  target: Queryable,
  database: string,
  tables: string[],
): Promise<Map<string, TargetTable>> {
  const result = new Map<string, TargetTable>();
  for (const table of tables) {
    const key = await rowKeyOf(target, database, table, 'the target');
    const columns = await tableColumns(target, database, table);
    const generated = columns.filter((c) => c.generated).map((c) => c.name);
    const uniqueKeys = await otherUniqueKeys(target, database, table, key.index);
    const keyPlaceholders = keyColumns(key, columns).map((c) => keyPart(c).placeholder);
    result.set(table, {
      database,
      table,
      key: key.columns,
      generated: new Set(generated),
      uniqueKeys,
      keyPlaceholders,
    });
  }
  return result;
}

/** The table's unique keys besides `rowKeyIndex`: name → columns in key order. */
async function otherUniqueKeys(
  conn: Queryable,
  database: string,
  table: string,
  rowKeyIndex: string,
): Promise<Map<string, string[]>> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    `SELECT INDEX_NAME AS name, COLUMN_NAME AS col FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0 AND INDEX_NAME <> ?
      ORDER BY INDEX_NAME, SEQ_IN_INDEX`,
    [database, table, rowKeyIndex],
  );
  const keys = new Map<string, string[]>();
  for (const row of rows) {
    const name = String(row.name);
    keys.set(name, [...(keys.get(name) ?? []), String(row.col)]);
  }
  return keys;
}
