// Turns binlog row images into idempotent statements for the target: insert and update become
// an upsert of the after-image (a change of the row key first deletes the old key), delete becomes
// a delete by row key. Generated columns are never written: the target computes them. Replaying a batch gives the same result, which is what makes
// at-least-once delivery safe.
import { failure } from '../../contract/failures.js';
import { qualified, quoteIdentifier } from '../../contract/identifiers.js';

export type Row = Record<string, unknown>;

export interface TargetTable {
  database: string;
  table: string;
  /** Row-key columns in key order: the primary key, or the unique key the move matches rows by. */
  key: string[];
  /** Columns the target computes (generated): left out of every write. */
  generated: ReadonlySet<string>;
  /** The table's other unique keys (name → columns), which a replayed row image may collide on. */
  uniqueKeys?: ReadonlyMap<string, string[]>;
  /** How each key value is bound (keyset.ts `KeyPart`): `?`, or cast to the column's type. */
  keyPlaceholders?: string[];
}

export type RowOp = { kind: 'upsert'; table: TargetTable; row: Row } | { kind: 'delete'; table: TargetTable; row: Row };

export interface Statement {
  sql: string;
  values: unknown[];
}

/** Most rows per statement, and most bytes: a statement of wide rows stays well under max_allowed_packet (16 MB by default). */
const MAX_ROWS_PER_STATEMENT = 500;
const MAX_STATEMENT_BYTES = 4 * 1024 * 1024;

/** A row's size as the statement and the queues carry it: close enough to bound them, cheap to compute. */
export function rowBytes(values: Iterable<unknown>): number {
  let bytes = 0;
  for (const value of values) {
    if (typeof value === 'string') bytes += value.length + 4;
    else if (Buffer.isBuffer(value)) bytes += 2 * value.length + 4;
    else bytes += 8;
  }
  return bytes;
}

export function keyOf(table: TargetTable, row: Row): unknown[] {
  return table.key.map((column) => {
    if (!(column in row)) {
      throw failure(
        'BinlogMisconfigured',
        `row image for ${table.database}.${table.table} lacks key column ${column} (binlog_row_image must be FULL)`,
      );
    }
    return row[column];
  });
}

function sameKey(a: unknown[], b: unknown[]): boolean {
  return a.length === b.length && a.every((value, i) => valueEquals(value, b[i]));
}

function valueEquals(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return a === b;
}

/** Ops for one binlog row change. */
export function opsForUpdate(table: TargetTable, before: Row, after: Row): RowOp[] {
  const ops: RowOp[] = [];
  if (!sameKey(keyOf(table, before), keyOf(table, after))) ops.push({ kind: 'delete', table, row: before });
  ops.push({ kind: 'upsert', table, row: after });
  return ops;
}

/** JSON values arrive decoded (MySQL's binary JSON); they are bound as their text. */
function bindable(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value) && !(value instanceof Date))
    return JSON.stringify(value);
  return value;
}

/** A copy statement: rows as SQL text (`(v1, v2)`, built by the source), no bound values. */
export interface CopyStatement {
  sql: string;
  /** Its first row's index in the chunk. */
  first: number;
}

/**
 * A chunk's copy as INSERTs of at most MAX_STATEMENT_BYTES each. A row already on the target
 * (brought by the stream, newer) wins: a duplicate key is skipped by a no-op update, which unlike
 * INSERT IGNORE turns no other error (a value the column cannot hold, a foreign key) into a warning.
 */
export function copyInsertStatements(table: TargetTable, columns: string[], rows: string[]): CopyStatement[] {
  const head = `INSERT INTO ${qualified(table.database, table.table)} (${columns.map(quoteIdentifier).join(', ')}) VALUES `;
  const keep = quoteIdentifier(columns[0]!);
  const tail = ` ON DUPLICATE KEY UPDATE ${keep} = ${keep}`;
  const statements: CopyStatement[] = [];
  let first = 0;
  let bytes = 0;
  for (let i = 0; i < rows.length; i++) {
    bytes += rows[i]!.length + 1;
    if (bytes >= MAX_STATEMENT_BYTES || i === rows.length - 1) {
      statements.push({ sql: head + rows.slice(first, i + 1).join(',') + tail, first });
      first = i + 1;
      bytes = 0;
    }
  }
  return statements;
}

/** The columns of a row image the target accepts: all but the ones it generates. */
function writableColumns(table: TargetTable, row: Row): string[] {
  const columns = Object.keys(row);
  return table.generated.size ? columns.filter((c) => !table.generated.has(c)) : columns;
}

function upsertStatement(table: TargetTable, rows: Row[]): Statement {
  const columns = writableColumns(table, rows[0]!);
  const placeholders = `(${columns.map(() => '?').join(', ')})`;
  const quoted = columns.map(quoteIdentifier);
  return {
    sql:
      `INSERT INTO ${qualified(table.database, table.table)} (${quoted.join(', ')}) VALUES ${rows.map(() => placeholders).join(', ')}` +
      ` ON DUPLICATE KEY UPDATE ${quoted.map((c) => `${c} = VALUES(${c})`).join(', ')}`,
    values: rows.flatMap((row) => columns.map((c) => bindable(row[c]))),
  };
}

function deleteStatement(table: TargetTable, rows: Row[]): Statement {
  const key = table.key.map(quoteIdentifier);
  const placeholders = table.keyPlaceholders ?? key.map(() => '?');
  const tuple = key.length === 1 ? placeholders[0]! : `(${placeholders.join(', ')})`;
  const lhs = key.length === 1 ? key[0]! : `(${key.join(', ')})`;
  return {
    sql: `DELETE FROM ${qualified(table.database, table.table)} WHERE ${lhs} IN (${rows.map(() => tuple).join(', ')})`,
    values: rows.flatMap((row) => keyOf(table, row).map(bindable)),
  };
}

/** The one statement for a group of ops of one kind on one table (an upsert group: one column list). */
export function statementFor(group: RowOp[]): Statement {
  const first = group[0]!;
  const rows = group.map((op) => op.row);
  return first.kind === 'upsert' ? upsertStatement(first.table, rows) : deleteStatement(first.table, rows);
}

/** Statements for a sequence of ops, in order (see `opGroups`). */
export function statementsFor(ops: RowOp[]): Statement[] {
  return opGroups(ops).map(statementFor);
}

/**
 * A sequence of ops in groups that can share a statement, in order: runs of the same kind on the
 * same table (and, for upserts, the same column list).
 */
export function opGroups(ops: RowOp[]): RowOp[][] {
  const groups: RowOp[][] = [];
  let run: RowOp[] = [];
  let runBytes = 0;
  const flush = () => {
    runBytes = 0;
    if (run.length === 0) return;
    groups.push(run);
    run = [];
  };
  for (const op of ops) {
    const head = run[0];
    const joins =
      head !== undefined &&
      head.kind === op.kind &&
      head.table === op.table &&
      run.length < MAX_ROWS_PER_STATEMENT &&
      runBytes < MAX_STATEMENT_BYTES &&
      (op.kind === 'delete' || Object.keys(head.row).join('\0') === Object.keys(op.row).join('\0'));
    if (!joins) flush();
    run.push(op);
    runBytes += rowBytes(Object.values(op.row));
  }
  flush();
  return groups;
}
