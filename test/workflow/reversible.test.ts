// A reversible move after its cutover, on the real workflow code with stub activities: the phase
// `on-target` with the reverse stream started where T4 recorded, and each way it ends (complete,
// completeAfterSeconds, an abort). The real-server counterpart is test/integration/reversible.test.ts.
import { describe, expect, it } from 'vitest';
import type { StreamInput } from '../../contract/activities.js';
import { completeMoveSignal, moveStatusQuery } from '../../contract/definitions.js';
import type { MoveStatus, MoveTablesInput } from '../../contract/move.js';
import type { moveTables } from '../../workflows/move-tables.js';
import { stubActivities, stubWorker, untilCancelled } from '../support/stub-activities.js';
import { failureOf, statusReaches } from '../support/waiting.js';

const INPUT: MoveTablesInput = {
  source: 'source',
  target: 'target',
  database: 'shop',
  tables: ['orders'],
  reversible: true,
};

async function reversibleMove(input: Partial<MoveTablesInput> = {}) {
  const streams: StreamInput[] = [];
  let reverseStopped = false;
  const { world, activities } = stubActivities((w) => ({
    async streamChanges(stream) {
      streams.push(stream);
      if (!stream.intoOldTables) {
        while (!w.cutOverComplete) await new Promise((r) => setTimeout(r, 50));
        return {
          appliedPosition: '1-1-10',
          rowsApplied: 0,
          transactionsApplied: 0,
          stoppedBecause: 'cut-over-complete',
        };
      }
      try {
        return await untilCancelled();
      } finally {
        reverseStopped = true;
      }
    },
  }));
  const env = await stubWorker(activities);
  const handle = await env.client.workflow.start<typeof moveTables>('moveTables', {
    taskQueue: env.taskQueue,
    workflowId: env.workflowId('move'),
    args: [{ ...INPUT, ...input }],
  });
  const onTarget = () =>
    statusReaches<MoveStatus>(
      'on-target',
      () => handle.query(moveStatusQuery),
      (s) => s.phase === 'on-target' && s.reverse?.stream !== undefined,
    );
  return { world, env, handle, streams, onTarget, reverseStopped: () => reverseStopped };
}

describe('a reversible move after its cutover (stub activities)', () => {
  it('stays on the target with the source kept current from the position T4 recorded, until completeMove', async () => {
    const { world, env, handle, streams, onTarget, reverseStopped } = await reversibleMove();
    const { status, result, final } = await env.run(async () => {
      const status = await onTarget();
      await handle.signal(completeMoveSignal);
      const result = await handle.result();
      return { status, result, final: await handle.query(moveStatusQuery) };
    });
    expect(status).toMatchObject({
      liveSide: 'target',
      reverse: { streamWorkflowId: expect.stringMatching(/\/reverse-stream$/), startPosition: '2-2-20' },
    });
    expect(world.calls).toContain('prepareMove');
    // The reverse stream: from the target's database to the source's renamed tables, state on the source.
    expect(streams.map((s) => [s.source, s.target, s.database, s.targetDatabase, s.intoOldTables])).toEqual([
      ['source', 'target', 'shop', 'shop', undefined],
      ['target', 'source', 'shop', 'shop', true],
    ]);
    expect(streams[1]).toMatchObject({ startPosition: '2-2-20', streamId: 'target/shop/orders' });
    expect(result.reverse).toMatchObject({ startPosition: '2-2-20', completedBecause: 'complete' });
    expect(reverseStopped()).toBe(true);
    expect(final.phase).toBe('done');
  });

  it('left open, completes by itself after completeAfterSeconds', async () => {
    const { env, handle, reverseStopped } = await reversibleMove({ completeAfterSeconds: 2 });
    const result = await env.run(() => handle.result());
    expect(result.reverse?.completedBecause).toBe('complete-after');
    expect(reverseStopped()).toBe(true);
  });

  it('an abort on the target completes the move: nothing renamed back, no on-failure, the reverse stream stopped', async () => {
    const { world, env, handle, onTarget, reverseStopped } = await reversibleMove();
    const { result, final } = await env.run(async () => {
      await onTarget();
      await handle.cancel();
      const result = await handle.result();
      return { result, final: await handle.query(moveStatusQuery) };
    });
    expect(result.reverse?.completedBecause).toBe('abort');
    expect(world.calls).not.toContain('renameBack');
    expect(world.calls).not.toContain('discardTarget');
    expect(world.hooks).not.toContain('on-failure');
    expect(reverseStopped()).toBe(true);
    expect(final.lastError).toMatch(/^aborted after the cutover: the move completes/);
  });

  it('refuses a completeAfterSeconds past 30 days', async () => {
    const { env, handle } = await reversibleMove({ completeAfterSeconds: 31 * 86_400 });
    expect(await env.run(() => failureOf(handle.result()))).toMatch(
      /^InvalidInput: "completeAfterSeconds" must be at most 2592000 \(30 days\), got 2678400$/,
    );
  });
});
