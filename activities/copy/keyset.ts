// Keyset pagination over a (possibly composite) primary key, shared by the row copy and the
// checksum verification: "rows after this key" as SQL, and keys encoded for durable storage.
import { quoteIdentifier } from '../../contract/identifiers.js';

export type Key = unknown[];

export interface Condition {
  sql: string;
  values: unknown[];
}

/**
 * `(k1 > ?) OR (k1 = ? AND k2 > ?) OR ...`: rows strictly after `key` in key order. Spelled
 * out rather than as a row comparison so every server plans it as an index range.
 */
export function afterKey(columns: string[], key: Key | null): Condition {
  if (key === null) return { sql: '1 = 1', values: [] };
  const quoted = columns.map(quoteIdentifier);
  const terms: string[] = [];
  const values: unknown[] = [];
  for (let i = 0; i < quoted.length; i++) {
    terms.push(`(${[...quoted.slice(0, i).map((c) => `${c} = ?`), `${quoted[i]} > ?`].join(' AND ')})`);
    values.push(...key.slice(0, i), key[i]);
  }
  return { sql: `(${terms.join(' OR ')})`, values };
}

/** Rows up to and including `key`: the complement of `afterKey`. */
export function upToKey(columns: string[], key: Key | null): Condition {
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
