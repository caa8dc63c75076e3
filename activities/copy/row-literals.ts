// The copy's rows as SQL text for INSERTs, built by the source server: the form a chunk takes when
// the target does not load it (no local_infile, or a value the load would not store exactly).
import { exactValue, type Column } from '../table-info.js';

/** Types whose values print as plain number literals. */
export const NUMERIC_TYPES: ReadonlySet<string> = new Set([
  'tinyint',
  'smallint',
  'mediumint',
  'int',
  'bigint',
  'decimal',
  'float',
  'double',
  'year',
]);

/**
 * A column as SQL text the target takes back as the same value, built by the source server: numbers
 * as their literal, BIT and everything else (text of any charset, binary, temporal, ENUM, JSON,
 * geometry) as a hex string literal of its bytes, which no connection charset converts; NULL as
 * NULL. The copy moves rows as this text, so the worker neither decodes nor escapes values.
 */
export function literalValue(column: Column): string {
  const value = exactValue(column);
  const literal =
    column.dataType === 'bit'
      ? `CONCAT('0x', HEX(${value}))`
      : NUMERIC_TYPES.has(column.dataType)
        ? `CONCAT('', ${value})`
        : column.dataType === 'json'
          ? // MySQL's JSON type takes no binary string (MariaDB's JSON is text: never this branch).
            `CONCAT('CONVERT(X''', HEX(${value}), ''' USING utf8mb4)')`
          : `CONCAT('X''', HEX(${value}), '''')`;
  return `IFNULL(${literal}, 'NULL')`;
}

/** A whole row as `(v1, v2, ...)` SQL text, built by the source server (see `literalValue`). */
export function rowLiteral(columns: Column[]): string {
  return `CONCAT('(', ${columns.map(literalValue).join(", ',', ")}, ')')`;
}
