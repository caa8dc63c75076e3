// A worker process SIGKILLed mid-copy under write load: a new worker continues the copy after
// the last key recorded on the target (for a parallel copy, each key range after its own), and
// the move completes with parity.
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/cleanups.js';
import { copyProgress, rowsCopied } from '../support/copy-progress.js';
import { startOneWayMove } from '../support/one-way-move.js';
import { allRows, createSourceTable } from '../support/move-fixture.js';
import { recordFault } from '../support/fault-report.js';
import { sourceWriteLoad, spawnWorkerProcess, sql, temporalClient, uniqueName } from '../support/stack.js';
import { eventually } from '../support/waiting.js';

const defer = cleanupAfterEach();

describe('moveTables across a lost worker', () => {
  it.each([
    { copyConcurrency: 1, ranges: 1 },
    { copyConcurrency: 4, ranges: 4 },
  ])(
    'resumes the copy on a new worker after SIGKILL mid-copy (copyConcurrency $copyConcurrency)',
    async ({ copyConcurrency, ranges }) => {
      const client = await temporalClient();
      const { database, source } = await createSourceTable('crash', 200_000);
      // Fresh statistics: the ranges are planned from the table's estimated row count.
      await source.query(`ANALYZE TABLE ${database}.t`);
      const target = await sql('target');
      try {
        const env = { MOVE_TABLES_TASK_QUEUE: uniqueName('q') };
        const first = await spawnWorkerProcess(env);
        defer(() => first.stop().catch(() => undefined));
        const handle = await startOneWayMove(
          client,
          { source: 'source', target: 'target', database, tables: ['t'], chunkSize: 500, copyConcurrency },
          env.MOVE_TABLES_TASK_QUEUE,
        );
        const load = sourceWriteLoad(database, 200);

        // Kill once some chunks are on the target and most are not.
        const copied = await eventually(
          '5,000 rows copied',
          async () => {
            const n = rowsCopied(await copyProgress(target, database));
            return n >= 5_000 ? n : undefined;
          },
          { intervalMs: 20 },
        );
        expect(copied).toBeLessThan(200_000);
        await first.kill();
        await source.query(`UPDATE ${database}.t SET v = 'changed while no worker ran' WHERE id IN (1, 199999)`);
        await source.query(`DELETE FROM ${database}.t WHERE id = 150000`);
        const second = await spawnWorkerProcess(env);
        defer(() => second.stop().catch(() => undefined));

        const result = await handle.result();
        const stats = await load.stop();
        expect(stats.errors).toEqual([]);
        expect(result.verify!.ok).toBe(true);
        const rows = await allRows(source, database, '_t_del');
        expect(await allRows(target, database, 't')).toEqual(rows);
        // Each range copied to its end, and together they copied what the move reports.
        const done = await copyProgress(target, database);
        expect(done.map((r) => [r.rangeNo, r.done])).toEqual(Array.from({ length: ranges }, (_, i) => [i, true]));
        expect(rowsCopied(done)).toBe(result.rowsCopied);
        recordFault(
          `SIGKILL worker mid-copy under write load${copyConcurrency > 1 ? ` (${ranges} key ranges copied at once)` : ''}`,
          'new worker continues after the last key recorded on the target; parity',
          `completed, ${rows.length} rows equal; killed after ${copied} rows; load ${stats.inserts + stats.updates + stats.keyChanges + stats.deletes} writes`,
        );
      } finally {
        await source.end();
        await target.end();
      }
    },
  );
});
