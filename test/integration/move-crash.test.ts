// A worker process SIGKILLed mid-copy under write load: a new worker continues the copy after
// the last key recorded on the target, and the move completes with parity.
import type mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/cleanups.js';
import { startMove } from '../../client/moves.js';
import { allRows, createSourceTable } from '../support/move-fixture.js';
import { recordFault } from '../support/fault-report.js';
import { sourceWriteLoad, spawnWorkerProcess, sql, temporalClient, uniqueName } from '../support/stack.js';
import { eventually } from '../support/waiting.js';

const defer = cleanupAfterEach();

describe('moveTables across a lost worker', () => {
  it('resumes the copy on a new worker after SIGKILL mid-copy', async () => {
    const client = await temporalClient();
    const { database, source } = await createSourceTable('crash', 200_000);
    const target = await sql('target');
    try {
      const env = { MOVE_TABLES_TASK_QUEUE: uniqueName('q') };
      const first = await spawnWorkerProcess(env);
      defer(() => first.stop().catch(() => undefined));
      const handle = await startMove(
        client,
        { source: 'source', target: 'target', database, tables: ['t'], chunkSize: 500 },
        env.MOVE_TABLES_TASK_QUEUE,
      );
      const load = sourceWriteLoad(database, 200);

      // Kill once some chunks are on the target and most are not.
      const copied = await eventually(
        '5,000 rows copied',
        async () => {
          const [rows] = await target.query<mysql.RowDataPacket[]>(
            'SELECT rows_copied FROM _move_tables.copy_progress WHERE stream_id = ?',
            [`source/${database}/t`],
          );
          const n = Number(rows[0]?.rows_copied ?? 0);
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
      recordFault(
        'SIGKILL worker mid-copy under write load',
        'new worker continues after the last key recorded on the target; parity',
        `completed, ${rows.length} rows equal; killed after ${copied} rows; load ${stats.inserts + stats.updates + stats.keyChanges + stats.deletes} writes`,
      );
    } finally {
      await source.end();
      await target.end();
    }
  });
});
