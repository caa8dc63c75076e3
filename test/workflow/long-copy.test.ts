// A copy long enough to grow the move's history past its limit continues as new: the next run
// keeps the copy's progress, its key ranges and the operator's settings, restarts the stream where
// it stood, and never prepares again (stub activities; a low history limit stands for days).
import { describe, expect, it } from 'vitest';
import { moveStatusQuery } from '../../contract/definitions.js';
import type { moveTables } from '../../workflows/move-tables.js';
import { stubActivities, stubWorker } from '../support/stub-activities.js';

const RANGE_ROWS = 1_000;
const SLICE_ROWS = 50;

describe('a long copy (stub activities)', () => {
  it('continues as new before the history limit, keeping progress, key ranges and settings; the move completes', async () => {
    const copied = new Map<number, number>();
    const { world, activities } = stubActivities(() => ({
      async planCopyRanges() {
        return [
          { index: 0, upTo: '[1000]' },
          { index: 1, after: '[1000]' },
        ];
      },
      async copyRows(input) {
        const index = input.range?.index ?? -1;
        const rows = Math.min(RANGE_ROWS, (copied.get(index) ?? 0) + SLICE_ROWS);
        copied.set(index, rows);
        return {
          table: input.table,
          rowsCopied: rows,
          estimatedRows: 2 * RANGE_ROWS,
          done: rows === RANGE_ROWS,
          rowsPerSecond: 1_000,
          throttledMs: 0,
        };
      },
    }));
    const env = await stubWorker(activities);
    const workflowId = env.workflowId('move');
    const { result, firstRun, status } = await env.run(async () => {
      const handle = await env.client.workflow.start<typeof moveTables>('moveTables', {
        taskQueue: env.taskQueue,
        workflowId,
        args: [
          {
            source: 'source',
            target: 'target',
            database: 'shop',
            tables: ['orders'],
            copyConcurrency: 2,
            chunkSize: 777,
            historyEventsBeforeContinueAsNew: 60,
          },
        ],
      });
      const result = await handle.result();
      return {
        result,
        firstRun: await env.client.workflow.getHandle(workflowId, handle.firstExecutionRunId).describe(),
        status: await env.client.workflow.getHandle(workflowId).query(moveStatusQuery),
      };
    });
    expect(firstRun.status.name).toBe('CONTINUED_AS_NEW');
    expect(status.previousRuns).toBeGreaterThanOrEqual(1);
    expect(result.rowsCopied).toBe(2 * RANGE_ROWS);
    // Prepared and planned once: the later runs carry the plan (progress is kept per range).
    expect(world.calls.filter((c) => c === 'prepareMove')).toHaveLength(1);
    expect(world.calls.filter((c) => c === 'planCopyRanges')).toHaveLength(1);
    // Each run streams; the stream stopped for the hand-over and started again.
    expect(world.calls.filter((c) => c === 'streamChanges').length).toBe((status.previousRuns ?? 0) + 1);
    // No slice was lost or repeated beyond what the ranges needed.
    expect(world.calls.filter((c) => c === 'copyRows')).toHaveLength((2 * RANGE_ROWS) / SLICE_ROWS);
    expect(status.chunkSize).toBe(777);
    expect(result.cutOver.renamedTables).toEqual([{ from: 'shop.orders', to: 'shop._orders_del' }]);
  });
});
