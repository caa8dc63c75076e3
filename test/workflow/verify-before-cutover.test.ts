// The verification before the cutover, orchestrated (stub activities): slices until nothing is left,
// a difference holds the move before any cutover step, retry re-compares only what differed, a
// comparison that cannot run holds rather than fail the move after its copy.
import { describe, expect, it } from 'vitest';
import type { DiffInput, DiffSlice, MoveTablesActivities } from '../../contract/activities.js';
import { moveStatusQuery, retryCutOverSignal, verifyMoveSignal } from '../../contract/definitions.js';
import { failure } from '../../contract/failures.js';
import type { MoveTablesInput } from '../../contract/move.js';
import type { moveTables } from '../../workflows/move-tables.js';
import { stubActivities, stubWorker } from '../support/stub-activities.js';
import { statusReaches } from '../support/waiting.js';

const INPUT: MoveTablesInput = {
  source: 'source',
  target: 'target',
  database: 'shop',
  tables: ['orders', 'items'],
  reversible: false,
};

function slice(input: DiffInput, extra: Partial<DiffSlice> = {}): DiffSlice {
  return {
    position: `0-1-${input.ranges.length}`,
    ranges: [],
    compared: Object.fromEntries(input.ranges.map((r) => [r.table, { chunks: 1, liveRows: 50, copyRows: 50 }])),
    differences: [],
    unlisted: [],
    resumedAfterChunks: 0,
    ...extra,
  };
}

async function moveWith(
  diffTables: (input: DiffInput) => Promise<DiffSlice>,
  overrides: Partial<MoveTablesActivities> = {},
) {
  const inputs: DiffInput[] = [];
  const { world, activities } = stubActivities(() => ({
    ...overrides,
    async diffTables(input) {
      inputs.push(input);
      return diffTables(input);
    },
  }));
  const env = await stubWorker(activities);
  const start = () =>
    env.client.workflow.start<typeof moveTables>('moveTables', {
      taskQueue: env.taskQueue,
      workflowId: env.workflowId('move'),
      args: [{ ...INPUT, verifyMaxSnapshotSeconds: 5 }],
    });
  return { world, env, start, inputs };
}

const cutOverCalls = (calls: string[]) =>
  calls.filter((c) => ['validateCutOver', 'renameSourceTables', 'checkReadiness'].includes(c));

describe('verify before the cutover (stub activities)', () => {
  it('compares slice after slice, each on what the last left, and shows progress', async () => {
    const { env, start, inputs } = await moveWith(async (input) =>
      // The first slice's snapshots expire after the first table.
      input.ranges.length === 2
        ? slice({ ...input, ranges: input.ranges.slice(0, 1) }, { ranges: input.ranges.slice(1) })
        : slice(input),
    );
    const { result, status } = await env.run(async () => {
      const handle = await start();
      return { result: await handle.result(), status: await handle.query(moveStatusQuery) };
    });
    expect(inputs.map((i) => i.ranges.map((r) => r.table))).toEqual([['orders', 'items'], ['items']]);
    expect(inputs[0]).toMatchObject({ maxSnapshotSeconds: 5, streamId: expect.any(String) });
    expect(result.verify).toMatchObject({ ok: true, beforeCutOver: { snapshots: 2, passes: 1, position: '0-1-1' } });
    expect(status.verification).toMatchObject({ state: 'equal', pass: 1, rowsCompared: 100, snapshots: 2 });
  });

  it('holds before any cutover step on a difference, naming its keys; retry compares only the differing range', async () => {
    const differing = { table: 'orders', after: '[100]', upTo: '[200]' };
    let calls = 0;
    const { world, env, start, inputs } = await moveWith(async (input) =>
      ++calls === 1
        ? slice(input, { differences: [{ ...differing, liveRows: 100, copyRows: 99, differingKeys: [[142]] }] })
        : slice(input),
    );
    await env.run(async () => {
      const handle = await start();
      const held = await statusReaches(
        'holding on the difference',
        () => handle.query(moveStatusQuery),
        (s) => s.phase === 'holding',
      );
      expect(held.hold).toMatchObject({ renamedTables: [] });
      expect(held.hold!.reason).toMatch(
        /found differences at source position 0-1-2: orders: 1 chunk\(s\) differ, keys \[\[142\]\]/,
      );
      expect(held.verification).toMatchObject({
        state: 'differs',
        differences: { orders: { chunks: 1, keys: [[142]] } },
      });
      expect(cutOverCalls(world.calls)).toEqual([]);
      await handle.signal(retryCutOverSignal);
      const result = await handle.result();
      expect(result.verify).toMatchObject({ ok: true, beforeCutOver: { passes: 2 } });
    });
    expect(inputs[1]!.ranges).toEqual([differing]);
    expect(world.calls).toContain('renameSourceTables');
  });

  it('a comparison that cannot run holds the move (its copy kept); retry runs it again', async () => {
    let calls = 0;
    const { world, env, start } = await moveWith(async (input) => {
      if (++calls === 1) throw failure('SnapshotNotAligned', 'the stream did not stop for the snapshot');
      return slice(input);
    });
    await env.run(async () => {
      const handle = await start();
      const held = await statusReaches(
        'holding on the failed comparison',
        () => handle.query(moveStatusQuery),
        (s) => s.phase === 'holding',
      );
      expect(held.hold!.reason).toMatch(/could not compare: .*did not stop for the snapshot; retryCutOver tries again/);
      expect(cutOverCalls(world.calls)).toEqual([]);
      await handle.signal(retryCutOverSignal);
      expect((await handle.result()).verify).toMatchObject({ ok: true });
    });
    expect(world.calls.filter((c) => c === 'copyRows').length).toBe(2);
  });

  it('verifyMove during the copy is refused with the reason; while holding on a difference it compares again, forward', async () => {
    let calls = 0;
    const { env, start, inputs } = await moveWith(
      async (input) =>
        ++calls === 1
          ? slice(input, { differences: [{ table: 'orders', after: null, upTo: null, liveRows: 1, copyRows: 0 }] })
          : slice(input),
      {
        async copyRows(input) {
          await new Promise((resolve) => setTimeout(resolve, 1_500));
          return {
            table: input.table,
            rowsCopied: 100,
            estimatedRows: 100,
            done: true,
            rowsPerSecond: 1_000,
            throttledMs: 0,
          };
        },
      },
    );
    await env.run(async () => {
      const handle = await start();
      await statusReaches(
        'copying',
        () => handle.query(moveStatusQuery),
        (s) => s.phase === 'copy',
      );
      await handle.signal(verifyMoveSignal, { requestId: 'during-copy' });
      const refused = await statusReaches(
        'refused',
        () => handle.query(moveStatusQuery),
        (s) => s.verification?.requestId === 'during-copy',
      );
      expect(refused.verification).toMatchObject({
        state: 'refused',
        reason: expect.stringMatching(/the copy is not done/),
      });
      await statusReaches(
        'holding',
        () => handle.query(moveStatusQuery),
        (s) => s.phase === 'holding',
      );
      await handle.signal(verifyMoveSignal, { requestId: 'while-held' });
      const again = await statusReaches(
        'compared on demand',
        () => handle.query(moveStatusQuery),
        (s) => s.verification?.requestId === 'while-held' && s.verification.state !== 'comparing',
      );
      // The hold stays until retryCutOver: an on-demand comparison decides nothing.
      expect(again).toMatchObject({ phase: 'holding', verification: { trigger: 'on-demand', state: 'equal' } });
      await handle.signal(retryCutOverSignal);
      expect((await handle.result()).verify).toMatchObject({ ok: true, beforeCutOver: { passes: 2 } });
      // The move's own re-check shown again, not the operator's comparison before it.
      expect((await handle.query(moveStatusQuery)).verification).toMatchObject({
        trigger: 'before-cutover',
        state: 'equal',
        pass: 2,
      });
    });
    expect(inputs.map((i) => i.ranges.length)).toEqual([2, 2, 1]);
  });

  it('an abort while holding on a difference ends the move as before T1: nothing renamed, the target discarded', async () => {
    const { world, env, start } = await moveWith(async (input) =>
      slice(input, { differences: [{ table: 'orders', after: null, upTo: null, liveRows: 1, copyRows: 0 }] }),
    );
    const outcome = await env.run(async () => {
      const handle = await start();
      await statusReaches(
        'holding',
        () => handle.query(moveStatusQuery),
        (s) => s.phase === 'holding',
      );
      await handle.cancel();
      const failed = await handle.result().then(
        () => 'completed',
        (err: Error) => err.message,
      );
      return { failed, status: await handle.query(moveStatusQuery) };
    });
    expect(outcome.failed).toMatch(/cancel/i);
    expect(outcome.status.phase).toBe('cancelled');
    expect(cutOverCalls(world.calls)).toEqual([]);
    expect(world.calls).toContain('discardTarget');
  });
});
