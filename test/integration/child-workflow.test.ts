// Another service's workflow runs a move as a child (examples/parent-workflow.ts), on its own
// worker and task queue; terminating the parent cancels the move (REQUEST_CANCEL).
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import type mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { relocateTenant } from '../../examples/parent-workflow.js';
import { moveStatusQuery } from '../../contract/definitions.js';
import { cleanupAfterEach } from '../support/cleanups.js';
import { holdCopy } from '../support/copy-progress.js';
import { createSourceTable } from '../support/move-fixture.js';
import { stack, startWorker, temporalClient, uniqueName } from '../support/stack.js';
import { workflowMetadata } from '../support/ui-metadata.js';
import { eventually } from '../support/waiting.js';

const defer = cleanupAfterEach();
const parentWorkflows = fileURLToPath(new URL('../../examples/parent-workflow.ts', import.meta.url));

async function setup(rows: number) {
  const { database, source } = await createSourceTable('tenant', rows);
  defer(() => source.end());
  const moveQueue = uniqueName('moves');
  const moves = await startWorker({ taskQueue: moveQueue });
  defer(() => moves.stop());
  const client = await temporalClient();
  const parentQueue = uniqueName('tenant-ops');
  const connection = await NativeConnection.connect({ address: stack().temporal.address });
  const parentWorker = await Worker.create({
    connection,
    namespace: 'default',
    taskQueue: parentQueue,
    workflowsPath: parentWorkflows,
  });
  const running = parentWorker.run();
  defer(async () => {
    parentWorker.shutdown();
    await running;
    await connection.close();
  });
  return { database, source, client, moveQueue, parentQueue };
}

describe('moveTables as a child workflow', () => {
  it('a reversible move tells its parent of the cutover at once (moveCutOver); the parent completes it', async () => {
    const { database, client, moveQueue, parentQueue } = await setup(2_000);
    const result = await client.workflow.execute(relocateTenant, {
      taskQueue: parentQueue,
      workflowId: uniqueName('relocate'),
      args: [{ tenantDatabase: database, tables: ['t'], targetTaskQueue: moveQueue, keepSourceSeconds: 1 }],
    });
    expect(result).toMatchObject({
      rowsCopied: 2_000,
      verified: true,
      cutOver: {
        moveId: `move:source/${database}/t`,
        liveSide: 'target',
        standbyStart: expect.any(String),
        drainGtid: expect.any(String),
      },
    });
    const move = await client.workflow.getHandle(result.moveWorkflowId).result();
    expect(move.afterCutOver).toMatchObject({
      liveSide: 'target',
      completedBecause: 'complete',
      standby: { side: 'source', startPosition: result.cutOver!.standbyStart },
    });
  });

  it('runs under a parent in its own task queue and returns the move summary', async () => {
    const { database, client, moveQueue, parentQueue } = await setup(4_000);
    const result = await client.workflow.execute(relocateTenant, {
      taskQueue: parentQueue,
      workflowId: uniqueName('relocate'),
      args: [{ tenantDatabase: database, tables: ['t'], targetTaskQueue: moveQueue }],
    });
    expect(result).toMatchObject({ moveWorkflowId: `move:source/${database}/t`, rowsCopied: 4_000, verified: true });
    expect(result.cutoverWindowMs).toBeGreaterThan(0);
    // Under the parent, the move reads as it does when started by hand: summary and details.
    const move = client.workflow.getHandle(result.moveWorkflowId);
    expect(await (await move.describe()).staticSummary()).toBe(`${database}.t source → target`);
    const { currentDetails } = await workflowMetadata(move);
    expect(currentDetails).toMatch(new RegExp(`^\\*\\*done\\*\\* · \`${database}\\.t\` source → target\n`));
    expect(currentDetails).toContain('result: 4,000 rows copied');
  });

  it('is cancelled, not killed, when its parent is terminated: the source stays as it was', async () => {
    const { database, source, client, moveQueue, parentQueue } = await setup(300_000);
    const parent = await client.workflow.start(relocateTenant, {
      taskQueue: parentQueue,
      workflowId: uniqueName('relocate'),
      args: [{ tenantDatabase: database, tables: ['t'], targetTaskQueue: moveQueue }],
    });
    const move = client.workflow.getHandle(`move:source/${database}/t`);
    // Terminated mid-copy, however fast the copy: it stands still until the cancellation is on its way.
    const held = await holdCopy(database, 5_000, defer);
    await parent.terminate('the parent service gave up');
    await eventually('the move to be asked to cancel', async () =>
      (await move.fetchHistory()).events?.some((e) => e.workflowExecutionCancelRequestedEventAttributes)
        ? true
        : undefined,
    );
    await held.release();
    const err = await move.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String((err as { cause?: Error }).cause?.name)).toBe('CancelledFailure');
    expect((await move.describe()).status.name).toBe('CANCELLED');
    expect(await move.query(moveStatusQuery)).toMatchObject({ phase: 'cancelled' });
    const [tables] = await source.query<mysql.RowDataPacket[]>(
      'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
      [database],
    );
    expect(tables.map((r) => r.t)).toEqual(['t']);
  });
});
