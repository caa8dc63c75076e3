// The binlog stream on real servers: under write load up to the RENAME, after its connections
// are killed on the server, and when someone alters a moved table.
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type mysql from 'mysql2/promise';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/cleanups.js';
import { cutOver } from '../../workflows/cutover.js';
import {
  allRows,
  createMoveFixture,
  startStream,
  streamRegistered,
  type MoveFixture,
} from '../support/move-fixture.js';
import { sourceWriteLoad, startWorker, temporalClient, uniqueName } from '../support/stack.js';
import { eventually } from '../support/waiting.js';

let client: Client;
const defer = cleanupAfterEach();
beforeAll(async () => {
  client = await temporalClient();
});

async function streaming(initialRows = 100) {
  const fixture = await createMoveFixture(initialRows);
  defer(() => fixture.close());
  const taskQueue = uniqueName('q');
  const worker = await startWorker({ taskQueue });
  defer(() => worker.stop());
  const stream = await startStream(client, fixture, taskQueue);
  defer(async () => {
    await stream.cancel().catch(() => undefined);
  });
  await streamRegistered(fixture);
  return { fixture, stream, taskQueue };
}

async function untilTargetMatchesSource(fixture: MoveFixture, table = 't'): Promise<void> {
  const rowsOf = () =>
    Promise.all([allRows(fixture.source, fixture.database, table), allRows(fixture.target, fixture.database, 't')]);
  await eventually(
    'the target to match the source',
    async () => {
      const [source, target] = await rowsOf();
      if (JSON.stringify(source) === JSON.stringify(target)) return true;
      throw new Error(`source ${source.length} rows, target ${target.length}`);
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
}

describe('binlog stream', () => {
  it('keeps the target equal to the source under >= 200 writes/s right up to the RENAME', async () => {
    const { fixture, stream, taskQueue } = await streaming(2_000);
    const load = sourceWriteLoad(fixture.database, 300, 0);
    await new Promise((r) => setTimeout(r, 3_000));
    // The load keeps writing until the RENAME turns its writes away.
    const result = await client.workflow.execute(cutOver, {
      taskQueue,
      workflowId: uniqueName('cutover-load'),
      args: [{ ...fixture.base }],
    });
    const stats = await load.stop();
    expect(stats.errors).toEqual([]);
    expect(stats.rejected).toBeGreaterThan(0);
    expect(stats.acceptedPerSecond).toBeGreaterThanOrEqual(200);
    expect(stats.inserts + stats.updates + stats.deletes).toBeGreaterThan(600);
    const frozen = await allRows(fixture.source, fixture.database, '_t_del');
    expect(await allRows(fixture.target, fixture.database, 't')).toEqual(frozen);
    expect(result.cutoverWindowMs).toBeGreaterThan(0);
    expect(await stream.result()).toMatchObject({ stoppedBecause: 'cut-over-complete' });
  });

  it('resumes from the position stored on the target after its connections are killed', async () => {
    const { fixture } = await streaming();
    await fixture.source.query(`INSERT INTO ${fixture.database}.t (v, n) VALUES ('one', 1)`);
    await untilTargetMatchesSource(fixture);
    // Kill the binlog dump connection on the source and every stream connection on the target.
    const [dumps] = await fixture.source.query<mysql.RowDataPacket[]>(
      "SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'",
    );
    expect(dumps.length).toBeGreaterThan(0);
    for (const row of dumps) await fixture.source.query('KILL ?', [Number(row.ID)]);
    const [applying] = await fixture.target.query<mysql.RowDataPacket[]>(
      'SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ? AND ID <> CONNECTION_ID()',
      ['move_tables'],
    );
    for (const row of applying) await fixture.target.query('KILL ?', [Number(row.ID)]).catch(() => undefined);
    await fixture.source.query(`INSERT INTO ${fixture.database}.t (v, n) VALUES ('two', 2), ('three', 3)`);
    await fixture.source.query(`UPDATE ${fixture.database}.t SET n = n + 100 WHERE id <= 10`);
    await fixture.source.query(`DELETE FROM ${fixture.database}.t WHERE id BETWEEN 20 AND 29`);
    await untilTargetMatchesSource(fixture);
  });

  it('fails with a clear, non-retryable error when a moved table is altered', async () => {
    const { fixture, stream } = await streaming();
    await fixture.source.query(`ALTER TABLE ${fixture.database}.t ADD COLUMN extra INT`);
    const err = await stream.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause?.cause as Error & { type?: string };
    expect(cause.type).toBe('UnsupportedDdl');
    expect(cause.message).toMatch(
      new RegExp(
        `DDL on a moved table \\(${fixture.database}\\.t\\) at GTID 1-1-\\d+: .* Statement: ALTER TABLE ${fixture.database}\\.t ADD COLUMN extra INT`,
      ),
    );
  });
});
