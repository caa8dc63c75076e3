// A parallel copy's key ranges follow the rows on the server, not its row estimate: with the estimate
// right, 100 times too low (MySQL 8 caches it for up to a day, so a table filled since reads as it
// was) or 50 times too high, a 100,000-row table splits into four ranges of about 25,000 rows, and
// the plan counts each range's rows.
import { MockActivityEnvironment } from '@temporalio/testing';
import type mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { decodeKey } from '../../activities/copy/keyset.js';
import { planCopyRanges } from '../../activities/copy/plan-ranges.js';
import type { CopyRange } from '../../contract/activities.js';
import { cleanupAfterEach } from '../support/cleanups.js';
import { createSourceTable } from '../support/move-fixture.js';
import { testClusters } from '../support/stack.js';

const defer = cleanupAfterEach();
const ROWS = 100_000;

/** Makes the server report `rows` for database.t: its persistent statistics rewritten and reloaded. */
async function forceEstimate(source: mysql.Connection, database: string, rows: number): Promise<void> {
  await source.query('UPDATE mysql.innodb_table_stats SET n_rows = ? WHERE database_name = ? AND table_name = ?', [
    rows,
    database,
    't',
  ]);
  // A rename there and back drops the table from InnoDB's dictionary cache; its next open reads the statistics.
  await source.query(`RENAME TABLE ${database}.t TO ${database}.t_stats, ${database}.t_stats TO ${database}.t`);
  await source.query(`FLUSH TABLES ${database}.t`);
}

async function estimate(source: mysql.Connection, database: string): Promise<number> {
  const [rows] = await source.query<mysql.RowDataPacket[]>(
    "SELECT TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't'",
    [database],
  );
  return Number(rows[0]!.n);
}

/** Rows of each range, counted by the server. */
async function rowsPerRange(source: mysql.Connection, database: string, ranges: CopyRange[]): Promise<number[]> {
  const counts: number[] = [];
  for (const range of ranges) {
    const [rows] = await source.query<mysql.RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM ${database}.t WHERE id > ? AND id <= ?`,
      [range.after ? decodeKey(range.after)[0] : 0, range.upTo ? decodeKey(range.upTo)[0] : Number.MAX_SAFE_INTEGER],
    );
    counts.push(Number(rows[0]!.n));
  }
  return counts;
}

describe('key ranges of a parallel copy', () => {
  it.each([
    { what: 'right', reported: undefined },
    { what: '100 times too low', reported: 1_000 },
    { what: '50 times too high', reported: 5_000_000 },
  ])('split by the rows, the estimate $what', async ({ reported }) => {
    const { database, source } = await createSourceTable('ranges', ROWS);
    defer(() => source.end());
    await source.query(`ANALYZE TABLE ${database}.t`);
    if (reported !== undefined) await forceEstimate(source, database, reported);
    const estimated = await estimate(source, database);
    if (reported !== undefined) expect(estimated).toBe(reported);
    else expect(Math.abs(estimated - ROWS)).toBeLessThan(ROWS / 5);

    const clusters = testClusters();
    defer(() => clusters.close());
    const ranges: CopyRange[] = await new MockActivityEnvironment().run(planCopyRanges, clusters, {
      source: 'source',
      database,
      table: 't',
      ranges: 4,
    });

    expect(ranges).toHaveLength(4);
    const counts = await rowsPerRange(source, database, ranges);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(ROWS);
    for (const rows of counts) expect(Math.abs(rows - ROWS / 4)).toBeLessThanOrEqual(ROWS / 16);
    // The walk's counts, the copy's progress total: exact on a table nobody writes to.
    expect(ranges.map((r) => r.rows)).toEqual(counts);
  });
});
