// Keyset pagination over a (possibly composite) primary key, shared by the row copy and the
// checksum verification: "rows after this key" as SQL, and keys encoded for durable storage.
import { quoteIdentifier } from '../../contract/identifiers.js';

export type Key = unknown[];

/**
 * A key column and how a value is bound against it: `?`, or a cast to the column's own type where
 * the server would otherwise compare a bound string as DOUBLE (DECIMAL: MySQL's rule; keys past
 * 2^53 that round alike would be skipped at chunk boundaries) or as bytes (BIT).
 */
export interface KeyPart {
  name: string;
  placeholder: string;
}

const asPart = (column: string | KeyPart): KeyPart =>
  typeof column === 'string' ? { name: column, placeholder: '?' } : column;

export interface Condition {
  sql: string;
  values: unknown[];
}

/**
 * `(k1 > ?) OR (k1 = ? AND k2 > ?) OR ...`: rows strictly after `key` in key order. Spelled
 * out rather than as a row comparison so every server plans it as an index range.
 */
export function afterKey(columns: Array<string | KeyPart>, key: Key | null): Condition {
  if (key === null) return { sql: '1 = 1', values: [] };
  const parts = columns.map(asPart);
  const quoted = parts.map((p) => quoteIdentifier(p.name));
  const terms: string[] = [];
  const values: unknown[] = [];
  for (let i = 0; i < quoted.length; i++) {
    const equal = quoted.slice(0, i).map((c, j) => `${c} = ${parts[j]!.placeholder}`);
    terms.push(`(${[...equal, `${quoted[i]} > ${parts[i]!.placeholder}`].join(' AND ')})`);
    values.push(...key.slice(0, i), key[i]);
  }
  return { sql: `(${terms.join(' OR ')})`, values };
}

/** Rows up to and including `key`: the complement of `afterKey`. */
export function upToKey(columns: Array<string | KeyPart>, key: Key | null): Condition {
  if (key === null) return { sql: '1 = 1', values: [] };
  const after = afterKey(columns, key);
  return { sql: `NOT ${after.sql}`, values: after.values };
}

export function orderBy(columns: string[]): string {
  return columns.map(quoteIdentifier).join(', ');
}

/** JSON text for a key; binary key parts survive as base64. */
export function encodeKey(key: Key): string {
  return JSON.stringify(key.map((part) => (Buffer.isBuffer(part) ? { base64: part.toString('base64') } : part)));
}

export function decodeKey(text: string): Key {
  return (JSON.parse(text) as unknown[]).map((part) =>
    part !== null && typeof part === 'object' && 'base64' in part
      ? Buffer.from(String((part as { base64: string }).base64), 'base64')
      : part,
  );
}
