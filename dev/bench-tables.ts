// The benchmarks' table shapes (bench:copy, bench:stream, bench:verify). `narrow`: ~110-byte rows of five simple
// columns. `wide`: ~200-byte rows of 15 mixed-type columns, as real tables are: utf8mb4 text with a
// secondary index, DECIMAL, DOUBLE, ENUM, SET, BIT, JSON, BLOB, DATETIME(6), DATE, TIME(3), TINYINT,
// unsigned BIGINT and a nullable TEXT; its values hold multibyte characters, quotes, tabs, NUL bytes
// and newlines: what a client must escape.
import type { Queryable } from '../activities/clusters.js';

export type BenchTableKind = 'narrow' | 'wide';

const COLUMNS: Record<BenchTableKind, string> = {
  narrow: '(id BIGINT PRIMARY KEY, a CHAR(32), b VARCHAR(40), n INT, at DATETIME) CHARACTER SET latin1',
  wide: `(
    id BIGINT PRIMARY KEY,
    name VARCHAR(64) NOT NULL,
    amount DECIMAL(12,2),
    score DOUBLE,
    state ENUM('new','paid','shipped','returned'),
    tags SET('gift','fragile','express','bulk'),
    flags BIT(8),
    doc JSON,
    payload BLOB,
    created DATETIME(6),
    due DATE,
    slot TIME(3),
    priority TINYINT,
    ref BIGINT UNSIGNED,
    note TEXT NULL,
    KEY name (name)
  ) CHARACTER SET utf8mb4`,
};

export function benchTableDdl(kind: BenchTableKind, table: string): string {
  return `CREATE TABLE ${table} ${COLUMNS[kind]}`;
}

/** Rows `from`..`to` by the server itself, from MariaDB's sequence engine (`<database>.seq_<from>_to_<to>`). */
export function benchTableFill(kind: BenchTableKind, table: string, database: string, from: number, to: number) {
  const seq = `${database}.seq_${from}_to_${to}`;
  if (kind === 'narrow')
    return `INSERT INTO ${table} SELECT seq, MD5(seq), SUBSTR(SHA1(seq), 1, 30 + seq % 10), seq, '2024-01-01 00:00:00' + INTERVAL seq SECOND FROM ${seq}`;
  return `INSERT INTO ${table} SELECT seq, CONCAT('Zoë ', SUBSTR(SHA1(seq), 1, 8 + seq % 12), IF(seq % 7 = 0, ' "quoted"\tname', '')),
      (seq % 1000000) / 100, seq / 7, ELT(1 + seq % 4, 'new', 'paid', 'shipped', 'returned'),
      ELT(1 + seq % 3, 'gift', 'fragile,express', ''), seq % 256,
      JSON_OBJECT('sku', CONCAT('SKU-', seq % 5000), 'qty', seq % 9, 'tags', JSON_ARRAY('a', seq % 3)),
      CONCAT(UNHEX(MD5(seq)), CHAR(0, 10, 13, 92, 39)),
      '2024-01-01 00:00:00.000000' + INTERVAL seq * 1013 MICROSECOND + INTERVAL seq SECOND,
      '2024-01-01' + INTERVAL seq % 900 DAY, SEC_TO_TIME(seq % 86400 + (seq % 1000) / 1000), seq % 128,
      18446744073709551615 - seq, IF(seq % 5 = 0, NULL, CONCAT('note ', REPEAT(SUBSTR(MD5(seq), 1, 9), 3)))
    FROM ${seq}`;
}

/** `bench.t` of `kind` with rows 1..`rows` on `pool`'s server (the database made anew), its statistics fresh. */
export async function createBenchTable(pool: Queryable, kind: BenchTableKind, rows: number): Promise<void> {
  await pool.query('DROP DATABASE IF EXISTS bench');
  await pool.query('CREATE DATABASE bench');
  await pool.query(benchTableDdl(kind, 'bench.t'));
  for (let from = 1; from <= rows; from += 1_000_000)
    await pool.query(benchTableFill(kind, 'bench.t', 'bench', from, Math.min(rows, from + 999_999)));
  await pool.query('ANALYZE TABLE bench.t');
}

/** The columns `wideBenchRow` gives values for, in order. */
export const WIDE_ROW_COLUMNS =
  '(id, name, amount, score, state, tags, flags, doc, payload, created, due, slot, priority, ref, note)';

/** One `wide` row's values for a client-side INSERT, like the server-side fill's. */
export function wideBenchRow(id: number): unknown[] {
  return [
    id,
    `Zoë ${id.toString(36)}${id % 7 === 0 ? ' "quoted"\tname' : ''}`,
    ((id % 1_000_000) / 100).toFixed(2),
    id / 7,
    ['new', 'paid', 'shipped', 'returned'][id % 4],
    ['gift', 'fragile,express', ''][id % 3],
    id % 256,
    JSON.stringify({ sku: `SKU-${id % 5000}`, qty: id % 9, tags: ['a', id % 3] }),
    Buffer.from([id & 0xff, (id >> 8) & 0xff, 0, 10, 13, 92, 39, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
    new Date(1_700_000_000_000 + (id % 1e9) * 1013),
    new Date(1_700_000_000_000 + (id % 900) * 86_400_000),
    `${String(Math.floor((id % 86_400) / 3600)).padStart(2, '0')}:${String(Math.floor((id % 3600) / 60)).padStart(2, '0')}:${String(id % 60).padStart(2, '0')}.${String(id % 1000).padStart(3, '0')}`,
    id % 128,
    (18446744073709551615n - BigInt(id)).toString(),
    id % 5 === 0 ? null : `note ${id.toString(16).repeat(3)}`,
  ];
}
