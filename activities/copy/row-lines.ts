// The copy's rows as LOAD DATA lines, built by the source server: each value's bytes as stored
// (CAST AS BINARY: no charset touches them) with the three bytes the format reserves escaped, NULL
// as \N, values joined by tabs. The worker only joins lines; the target parses no SQL per row,
// which makes this the cheapest form a row can reach the target in (see load-rows.ts).
import { quoteIdentifier } from '../../contract/identifiers.js';
import { exactValue, type Column } from '../table-info.js';
import { NUMERIC_TYPES } from './row-literals.js';

/** `\` `TAB` `LF` escaped as LOAD DATA's default ESCAPED BY '\\' reads them back. */
const escaped = (bytes: string) =>
  String.raw`REPLACE(REPLACE(REPLACE(${bytes}, '\\', '\\\\'), '\t', '\\t'), '\n', '\\n')`;

/** Types whose text the server prints in digits and punctuation: nothing in it needs an escape. */
const PLAIN_TEXT_TYPES: ReadonlySet<string> = new Set([...NUMERIC_TYPES, 'date', 'datetime', 'timestamp', 'time']);

/**
 * A column as the text of one field. Numbers and temporal values print as their text (no byte of it
 * needs an escape); BIT as its number, which the load converts back (CONVERTED); everything else
 * (text of any charset, binary, ENUM, SET, JSON, geometry's internal bytes) as its bytes, escaped.
 */
export function lineValue(column: Column): string {
  const value = exactValue(column);
  const text =
    column.dataType === 'bit'
      ? `CAST(${value} AS UNSIGNED)`
      : PLAIN_TEXT_TYPES.has(column.dataType)
        ? value
        : escaped(`CAST(${value} AS BINARY)`);
  return String.raw`IFNULL(${text}, '\\N')`;
}

/** A whole row as one line's bytes (no line end); binary, so the driver returns it as bytes. */
export function rowLine(columns: Column[]): string {
  return `CAST(CONCAT(${columns.map(lineValue).join(", '\\t', ")}) AS BINARY)`;
}

/**
 * Columns the load reads into a variable and SET converts: BIT from its number (a BIT field would take
 * the text's bytes as bits), MySQL's JSON from its bytes (it takes no binary string).
 */
const CONVERTED: Readonly<Record<string, (variable: string) => string>> = {
  bit: (v) => `CAST(${v} AS UNSIGNED)`,
  json: (v) => `CONVERT(${v} USING utf8mb4)`,
};

/** The column list and SET clause of a LOAD DATA that reads `rowLine(columns)`. */
export function loadColumns(columns: Column[]): { list: string; set: string } {
  const sets: string[] = [];
  const list = columns.map((column, i) => {
    const convert = CONVERTED[column.dataType];
    if (!convert) return quoteIdentifier(column.name);
    sets.push(`${quoteIdentifier(column.name)} = ${convert(`@v${i}`)}`);
    return `@v${i}`;
  });
  return { list: `(${list.join(', ')})`, set: sets.length ? ` SET ${sets.join(', ')}` : '' };
}
