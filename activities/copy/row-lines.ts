// The copy's rows as LOAD DATA lines. The source sends each value's bytes as stored (CAST AS BINARY:
// no charset touches them), numbers and times as their text, BIT as its number; the worker escapes the
// three bytes the format reserves and joins the fields into lines as they arrive (read-lines.ts). The
// target parses no SQL per row, which makes this the cheapest form a row can reach the target in (see
// load-rows.ts); escaping in the worker, not in SQL, saves the source about a quarter of its CPU per row.
import { quoteIdentifier } from '../../contract/identifiers.js';
import { exactValue, type Column } from '../table-info.js';
import { NUMERIC_TYPES } from './row-literals.js';

/** Types whose text the server prints in digits and punctuation, the same in every charset. */
const PLAIN_TEXT_TYPES: ReadonlySet<string> = new Set([...NUMERIC_TYPES, 'date', 'datetime', 'timestamp', 'time']);

/**
 * A column as the source sends it for one field. Numbers and temporal values as their text; BIT as its
 * number, which the load converts back (CONVERTED); everything else (text of any charset, binary,
 * ENUM, SET, JSON, geometry's internal bytes) as its bytes.
 */
export function lineField(column: Column): string {
  const value = exactValue(column);
  if (column.dataType === 'bit') return `CAST(${value} AS UNSIGNED)`;
  return PLAIN_TEXT_TYPES.has(column.dataType) ? value : `CAST(${value} AS BINARY)`;
}

/** Whether `lineField(column)` prints in digits and punctuation: no byte of it the worker must escape. */
export const printsPlain = (column: Column): boolean =>
  column.dataType === 'bit' || PLAIN_TEXT_TYPES.has(column.dataType);

/**
 * Columns the load reads into a variable and SET converts: BIT from its number (a BIT field would take
 * the text's bytes as bits), MySQL's JSON from its bytes (it takes no binary string).
 */
const CONVERTED: Readonly<Record<string, (variable: string) => string>> = {
  bit: (v) => `CAST(${v} AS UNSIGNED)`,
  json: (v) => `CONVERT(${v} USING utf8mb4)`,
};

/** The column list and SET clause of a LOAD DATA that reads lines of `columns.map(lineField)`. */
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
