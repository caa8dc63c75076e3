// The move's orchestration with stub activities: the phases in order, and a stream that fails
// while the copy runs ends the move before any cutover step.
import { Context } from '@temporalio/activity';
import { describe, expect, it } from 'vitest';
import { moveStatusQuery } from '../../contract/definitions.js';
import { failure } from '../../contract/failures.js';
import type { MoveTablesInput } from '../../contract/move.js';
import type { moveTables } from '../../workflows/move-tables.js';
import { stubActivities, stubWorker } from '../support/stub-activities.js';
import { failureOf } from '../support/waiting.js';

const INPUT: MoveTablesInput = { source: 'source', target: 'target', database: 'shop', tables: ['orders'] };

async function moveWith(overrides: Parameters<typeof stubActivities>[0]) {
  const { world, activities } = stubActivities(overrides);
  const env = await stubWorker(activities);
  const start = () =>
    env.client.workflow.start<typeof moveTables>('moveTables', {
      taskQueue: env.taskQueue,
      workflowId: env.workflowId('move'),
      args: [INPUT],
    });
  return { world, env, start };
}

describe('moveTables workflow (stub activities)', () => {
  it('prepares, streams, copies, catches up, cuts over and verifies, in that order', async () => {
    const { world, env, start } = await moveWith(() => ({}));
    const { result, status } = await env.run(async () => {
      const handle = await start();
      return { result: await handle.result(), status: await handle.query(moveStatusQuery) };
    });
    const order = [
      'prepareMove',
      'copyRows',
      'measureStreamLag',
      'validateCutOver',
      'renameSourceTables',
      'setCutOverComplete',
      'verifyTables',
    ];
    expect(world.calls.filter((c) => order.includes(c))).toEqual(order);
    expect(world.calls).toContain('streamChanges');
    expect(result).toMatchObject({
      startPosition: '1-1-1',
      rowsCopied: 100,
      cutOver: { drainGtid: '1-1-10' },
      verify: { ok: true },
    });
    expect(status.phase).toBe('done');
  });

  it('a stream that fails for good during the copy ends the move with StreamFailed before any cutover step', async () => {
    let slices = 0;
    const { world, env, start } = await moveWith(() => ({
      async streamChanges() {
        await Context.current().sleep(300);
        throw failure('UnsupportedDdl', 'DDL on a moved table (shop.orders) at GTID 1-1-7');
      },
      async copyRows(input) {
        slices++;
        await Context.current().sleep(100);
        return {
          table: input.table,
          rowsCopied: slices * 10,
          estimatedRows: 1_000_000,
          done: false,
          rowsPerSecond: 100,
          throttledMs: 0,
        };
      },
    }));
    const message = await env.run(async () => failureOf((await start()).result()));
    expect(message).toMatch(
      /^StreamFailed: the binlog stream failed: DDL on a moved table \(shop\.orders\) at GTID 1-1-7$/,
    );
    expect(slices).toBeGreaterThan(0);
    expect(world.calls).not.toContain('validateCutOver');
    expect(world.calls).not.toContain('renameSourceTables');
  });
});
