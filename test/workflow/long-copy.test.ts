// A copy long enough to grow the move's history past its limit continues as new: the next run
// keeps the copy's progress, its key ranges and the operator's settings, restarts the stream where
// it stood, never prepares again and never copies a finished range again (stub activities; a low
// history limit stands for days).
import { describe, expect, it } from 'vitest';
import { moveStatusQuery } from '../../contract/definitions.js';
import type { moveTables } from '../../workflows/move-tables.js';
import { stubActivities, stubWorker } from '../support/stub-activities.js';

// The first range ends in the first run, the second a few runs later.
const RANGE_ROWS = [200, 1_000];
const TABLE_ROWS = RANGE_ROWS[0]! + RANGE_ROWS[1]!;
const SLICE_ROWS = 50;
const STALE_ESTIMATE = 5_000_000;

describe('a long copy (stub activities)', () => {
  it('continues as new before the history limit, keeping progress, key ranges and settings; the move completes', async () => {
    const copied = new Map<number, number>();
    const { world, activities } = stubActivities(() => ({
      async planCopyRanges() {
        return [
          { index: 0, upTo: '[200]', rows: RANGE_ROWS[0] },
          { index: 1, after: '[200]', rows: RANGE_ROWS[1] },
        ];
      },
      async copyRows(input) {
        const index = input.range?.index ?? -1;
        const rows = Math.min(RANGE_ROWS[index]!, (copied.get(index) ?? 0) + SLICE_ROWS);
        copied.set(index, rows);
        return {
          table: input.table,
          rowsCopied: rows,
          // The server's estimate, cached since the table was far larger: the plan's counts stand instead.
          estimatedRows: STALE_ESTIMATE,
          done: rows === RANGE_ROWS[index],
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
            reversible: false,
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
    expect(status.previousRuns).toBeGreaterThanOrEqual(2);
    expect(result.rowsCopied).toBe(TABLE_ROWS);
    expect(status).toMatchObject({ rowsCopied: TABLE_ROWS, estimatedRows: TABLE_ROWS, etaSeconds: 0 });
    // Prepared and planned once: the later runs carry the plan (progress is kept per range).
    expect(world.calls.filter((c) => c === 'prepareMove')).toHaveLength(1);
    expect(world.calls.filter((c) => c === 'planCopyRanges')).toHaveLength(1);
    // Each run streams; the stream stopped for the hand-over and started again.
    expect(world.calls.filter((c) => c === 'streamChanges').length).toBe((status.previousRuns ?? 0) + 1);
    // No slice was lost or repeated beyond what the ranges needed: the range that finished in the
    // first run was not called again by the later ones.
    expect(world.calls.filter((c) => c === 'copyRows')).toHaveLength(TABLE_ROWS / SLICE_ROWS);
    expect(status.chunkSize).toBe(777);
    expect(result.cutOver.renamedTables).toEqual([{ from: 'shop.orders', to: 'shop._orders_del' }]);
  });
});
