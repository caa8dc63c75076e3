// A reversible move on real servers: cut over under write load, then the application writes to the
// target (inserts, updates, deletes, primary-key changes, a multi-row transaction) and the reverse
// stream keeps the source's renamed table equal to it, row by row, until `complete`. Prepare refuses
// a target whose binlog the reverse stream could not read.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { startMove } from '../../client/moves.js';
import { completeMoveSignal } from '../../contract/definitions.js';
import { startWriteLoad } from '../../dev/write-load.js';
import { cleanupAfterEach } from '../support/cleanups.js';
import { recordFault } from '../support/fault-report.js';
import { saveHistory } from '../support/histories.js';
import { allRows, createSourceTable } from '../support/move-fixture.js';
import { sourceWriteLoad, sql, startWorker, temporalClient, testClusters, uniqueName } from '../support/stack.js';
import { eventually, failureOf, moveReaches } from '../support/waiting.js';

let client: Client;
const defer = cleanupAfterEach();
beforeAll(async () => {
  client = await temporalClient();
});

async function worker(): Promise<string> {
  const taskQueue = uniqueName('q');
  const w = await startWorker({ taskQueue });
  defer(() => w.stop());
  return taskQueue;
}

describe('a reversible move (real servers)', () => {
  it("keeps the source current after the cutover: the application's writes on the target reach the source's renamed table, until complete", async () => {
    const { database, source } = await createSourceTable('rev', 5_000);
    defer(() => source.end());
    const target = await sql('target');
    defer(() => target.end());
    const handle = await startMove(
      client,
      { source: 'source', target: 'target', database, tables: ['t'], reversible: true },
      await worker(),
    );
    const sourceLoad = sourceWriteLoad(database, 200);
    const onTarget = await moveReaches(handle, 'the on-target phase', (s) => s.phase === 'on-target');
    const beforeCutOver = await sourceLoad.stop();
    expect(beforeCutOver.errors).toEqual([]);
    expect(onTarget).toMatchObject({ liveSide: 'target', reverse: { startPosition: expect.any(String) } });

    // The application on the target (on-success flipped it): single statements and a transaction.
    const clusters = testClusters();
    defer(() => clusters.close());
    const appLoad = startWriteLoad({
      connection: clusters.connectionOptions('target'),
      database,
      table: 't',
      ratePerSecond: 300,
      primaryKeyChanges: 0.05,
    });
    await target.query('BEGIN');
    await target.query(`INSERT INTO ${database}.t (id, v, n) VALUES (9000001, 'tx-a', 1), (9000002, 'tx-b', 2)`);
    await target.query(`UPDATE ${database}.t SET v = 'tx-updated' WHERE id IN (1, 2, 3)`);
    await target.query(`UPDATE ${database}.t SET id = 9000003 WHERE id = 4`);
    await target.query(`DELETE FROM ${database}.t WHERE id = 5`);
    await target.query('COMMIT');
    await sleep(15_000);
    const onTargetStats = await appLoad.stop();
    expect(onTargetStats.errors).toEqual([]);

    const equal = await eventually(
      "the source's renamed table to equal the target",
      async () => {
        const [sourceRows, targetRows] = await Promise.all([
          allRows(source, database, '_t_del'),
          allRows(target, database, 't'),
        ]);
        return JSON.stringify(sourceRows) === JSON.stringify(targetRows) ? targetRows.length : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    await handle.signal(completeMoveSignal);
    const result = await handle.result();
    expect(result.verify!.ok).toBe(true);
    expect(result.reverse).toMatchObject({
      completedBecause: 'complete',
      startPosition: onTarget.reverse!.startPosition,
    });
    await saveHistory('move-reversible-completed', handle);
    const writes = onTargetStats.inserts + onTargetStats.updates + onTargetStats.keyChanges + onTargetStats.deletes;
    recordFault(
      'a reversible move: 15 s of application writes on the target after the cutover (inserts, updates, deletes, key changes, a transaction)',
      "the reverse stream keeps the source's renamed table equal to the target; complete ends the move",
      `${equal} rows equal on both sides after ${writes} writes on the target; completed (${result.reverse!.completedBecause})`,
    );
  });

  it('prepare refuses a reversible move whose target binlog the reverse stream could not read, before anything changes', async () => {
    const { database, source } = await createSourceTable('revbad', 10);
    defer(() => source.end());
    const target = await sql('target');
    defer(() => target.end());
    await target.query('SET GLOBAL binlog_row_metadata = MINIMAL');
    defer(async () => {
      await target.query('SET GLOBAL binlog_row_metadata = FULL');
    });
    const handle = await startMove(
      client,
      { source: 'source', target: 'target', database, tables: ['t'], reversible: true },
      await worker(),
    );
    expect(await failureOf(handle.result())).toMatch(
      /^BinlogMisconfigured: a reversible move streams the target's changes back to the source after the cutover, so the target's binlog must be streamable too: binlog_row_metadata is MINIMAL on target .* \(or start the move with reversible: false\)$/,
    );
    const [tables] = await target.query(`SHOW TABLES IN ${database}`).catch(() => [[]]);
    expect(tables).toEqual([]);
  });
});
