// Splits a table's key space into ranges of about equal row counts for a parallel copy. The split
// keys are found by walking the row key's index to its end, a candidate every `step` rows (a second
// time, finer, when it held far fewer rows than estimated): the ranges follow the data, whatever the
// key's type or spread, and however far the server's row estimate is off (InnoDB's is a sample;
// MySQL 8 caches it for up to a day, so a table filled since reads as it was).
import { Context } from '@temporalio/activity';
import type mysql from 'mysql2/promise';
import type { CopyRange, CopyRangesInput } from '../../contract/activities.js';
import { qualified } from '../../contract/identifiers.js';
import type { Clusters } from '../clusters.js';
import { estimatedRows, keyColumns, keyPart, keyValue, rowKeyOf, tableColumns } from '../table-info.js';
import { afterKey, encodeKey, orderBy, type Key } from './keyset.js';

/** A range smaller than this costs more in coordination than its parallelism gains. */
export const MIN_RANGE_ROWS = 20_000;

/**
 * Candidates kept per wanted range: more make the ranges more even; past twice this many the walk keeps
 * every other one and doubles its step, so a table far larger than its estimate costs no more memory.
 */
export const CANDIDATES_PER_RANGE = 16;

/**
 * Ranges covering every key: the first open below, the last open above, each after the previous;
 * `rows`, when given, the rows counted in each.
 */
export function rangesFrom(boundaries: string[], rows?: number[]): CopyRange[] {
  return [...boundaries, undefined].map((upTo, index) => ({
    index,
    ...(index > 0 ? { after: boundaries[index - 1] } : {}),
    ...(upTo === undefined ? {} : { upTo }),
    ...(rows ? { rows: rows[index]! } : {}),
  }));
}

/** The first step of the walk: the estimate (at least enough rows for every range) over the candidates wanted. */
export function firstStep(estimate: number, wanted: number): number {
  const rows = Math.max(estimate, wanted * MIN_RANGE_ROWS);
  return Math.max(1, Math.floor(rows / (wanted * CANDIDATES_PER_RANGE)));
}

/**
 * Which of `found` candidates (the k-th after k * `step` rows; fewer than `step` rows after the last) split
 * the table into at most `wanted` ranges of at least MIN_RANGE_ROWS rows and about equal size.
 */
export function splitCandidates(found: number, step: number, wanted: number): number[] {
  // Half a step for the rows after the last candidate (fewer than a step).
  const segments = found + 0.5;
  const count = Math.max(1, Math.min(wanted, Math.floor((found * step) / MIN_RANGE_ROWS)));
  const picked: number[] = [];
  for (let j = 1; j < count; j++) {
    const index = Math.min(found, Math.max(1, Math.round((j * segments) / count))) - 1;
    if (index > (picked.at(-1) ?? -1)) picked.push(index);
  }
  return picked;
}

/**
 * Rows in each range when the walk split at the `picked` of its `found` candidates (the k-th after
 * k * `step` rows) and counted `tail` rows after the last.
 */
export function rowsOfRanges(picked: number[], found: number, step: number, tail: number): number[] {
  const ends = [...picked, found - 1];
  return ends.map((end, j) => (end - (j > 0 ? ends[j - 1]! : -1)) * step + (j === picked.length ? tail : 0));
}

/** Activity `planCopyRanges`. */
export async function planCopyRanges(clusters: Clusters, input: CopyRangesInput): Promise<CopyRange[]> {
  const wanted = Math.floor(input.ranges);
  if (wanted <= 1) return rangesFrom([]);
  const pool = clusters.pool(input.source);
  const estimate = await estimatedRows(pool, input.database, input.table);
  const rowKey = await rowKeyOf(pool, input.database, input.table, clusters.describe(input.source));
  const columns = keyColumns(rowKey, await tableColumns(pool, input.database, input.table));
  const table = qualified(input.database, input.table);
  const keysAfter = `SELECT ${columns.map(keyValue).join(', ')} FROM ${table}`;

  /**
   * Every `step` rows to the end of the index: the candidates, thinned as they grow, their step,
   * and the rows after the last (fewer than a step, counted).
   */
  async function walk(step: number): Promise<{ candidates: string[]; step: number; tail: number }> {
    let candidates: string[] = [];
    let last: Key | null = null;
    for (;;) {
      const after = afterKey(columns.map(keyPart), last);
      const [found] = await pool.query<mysql.RowDataPacket[]>({
        sql: `${keysAfter} WHERE ${after.sql} ORDER BY ${orderBy(rowKey.columns)} LIMIT 1 OFFSET ?`,
        values: [...after.values, step - 1],
        rowsAsArray: true,
      });
      if (found.length === 0) {
        const [counted] = await pool.query<mysql.RowDataPacket[]>({
          sql: `SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${table} WHERE ${after.sql} LIMIT ?) AS tail`,
          values: [...after.values, step],
        });
        return { candidates, step, tail: Number(counted[0]!.n) };
      }
      last = found[0] as unknown as Key;
      candidates.push(encodeKey(last));
      if (candidates.length === 2 * wanted * CANDIDATES_PER_RANGE) {
        // Keep those at an even multiple of the step (the last included): equally spaced at twice the step.
        candidates = candidates.filter((_, i) => i % 2 === 1);
        step *= 2;
      }
      Context.current().heartbeat({ candidates: candidates.length, step });
    }
  }

  let walked = await walk(firstStep(estimate, wanted));
  // An estimate far above the rows left too few candidates to split evenly: walk again with what was counted.
  const finer = firstStep((walked.candidates.length + 1) * walked.step, wanted);
  if (walked.candidates.length < CANDIDATES_PER_RANGE && finer < walked.step) walked = await walk(finer);
  const { candidates, step, tail } = walked;
  const picked = splitCandidates(candidates.length, step, wanted);
  return rangesFrom(
    picked.map((i) => candidates[i]!),
    rowsOfRanges(picked, candidates.length, step, tail),
  );
}
