// A copy's progress as the target records it, and a way to hold a copy part-way: a test that
// injects a fault "mid-copy" must know the copy had not finished when the fault came, however
// fast the copy runs on the machine at hand.
import type mysql from 'mysql2/promise';
import { streamIdFor } from '../../contract/tables.js';
import type { Defer } from './cleanups.js';
import { sql } from './stack.js';
import { eventually } from './waiting.js';

export interface RangeProgress {
  rangeNo: number;
  rowsCopied: number;
  done: boolean;
}

/** Each key range of the copy of `database`.`table` from the source cluster, in range order. */
export async function copyProgress(target: mysql.Connection, database: string, table = 't'): Promise<RangeProgress[]> {
  const [rows] = await target.query<mysql.RowDataPacket[]>(
    'SELECT range_no, rows_copied, done FROM _move_tables.copy_progress WHERE stream_id = ? ORDER BY range_no',
    [streamIdFor('source', database, [table])],
  );
  return rows.map((r) => ({ rangeNo: Number(r.range_no), rowsCopied: Number(r.rows_copied), done: Boolean(r.done) }));
}

export const rowsCopied = (ranges: RangeProgress[]) => ranges.reduce((sum, r) => sum + r.rowsCopied, 0);

/**
 * Waits until at least `minRows` rows of `database`.t are on the target, then write-locks the
 * target table so no further chunk lands: the copy stands still, unfinished, until `release`
 * (or until the target restarts, which ends the lock with its session).
 */
export async function holdCopy(
  database: string,
  minRows: number,
  defer: Defer,
): Promise<{ copied: number; release(): Promise<void> }> {
  const reader = await sql('target');
  const locker = await sql('target');
  defer(async () => {
    await reader.end().catch(() => undefined);
    await locker.end().catch(() => undefined);
  });
  await eventually(
    `${minRows} rows copied`,
    async () => (rowsCopied(await copyProgress(reader, database)) >= minRows ? true : undefined),
    { intervalMs: 20 },
  );
  await locker.query(`LOCK TABLES ${database}.t WRITE`);
  const ranges = await copyProgress(reader, database);
  if (ranges.every((r) => r.done)) throw new Error(`the copy of ${database}.t finished before it could be held`);
  return {
    copied: rowsCopied(ranges),
    release: async () => {
      await locker.query('UNLOCK TABLES');
    },
  };
}
