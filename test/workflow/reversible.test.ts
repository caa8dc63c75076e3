// A reversible move after its cutover, on the real workflow code with stub activities: the phase
// `on-target` with the reverse stream started where T4 recorded, and each way it ends (complete,
// completeAfterSeconds, an abort). The real-server counterpart is test/integration/reversible.test.ts.
import { Context } from '@temporalio/activity';
import { describe, expect, it } from 'vitest';
import type { DiffInput, MoveTablesActivities, StreamInput } from '../../contract/activities.js';
import { failure } from '../../contract/failures.js';
import {
  completeMoveSignal,
  moveStatusQuery,
  releaseCutOverSignal,
  revertCutOverSignal,
  verifyMoveSignal,
} from '../../contract/definitions.js';
import type { MoveStatus, MoveTablesInput } from '../../contract/move.js';
import type { moveTables } from '../../workflows/move-tables.js';
import { stubActivities, stubWorker, untilCancelled } from '../support/stub-activities.js';
import { failureOf, statusReaches } from '../support/waiting.js';

const INPUT: MoveTablesInput = {
  source: 'source',
  target: 'target',
  database: 'shop',
  tables: ['orders'],
  // Reversible by default.
};

async function reversibleMove(input: Partial<MoveTablesInput> = {}) {
  const streams: StreamInput[] = [];
  const diffs: DiffInput[] = [];
  let reverseStopped = false;
  const { world, activities } = stubActivities((w) => ({
    async diffTables(diff) {
      diffs.push(diff);
      return { position: '1-1-2', ranges: [], compared: {}, differences: [], unlisted: [], resumedAfterChunks: 0 };
    },
    async streamChanges(stream) {
      streams.push(stream);
      if (!stream.intoOldTables) {
        while (!w.cutOverComplete) {
          Context.current().heartbeat();
          await Context.current().sleep(50);
        }
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
      (s) => s.phase === 'on-target' && s.standby?.stream !== undefined,
    );
  return { world, env, handle, streams, diffs, onTarget, reverseStopped: () => reverseStopped };
}

/**
 * Both sides modelled for a move's switches: which cluster's tables are renamed, each stream's
 * flag, each cluster's position (moved by each T4); hooks and restarted streams recorded.
 */
function twoSidedWorld(overrides: Partial<MoveTablesActivities> = {}) {
  const renamed: Record<string, boolean> = { source: false, target: false };
  const flags: Record<string, boolean> = {};
  const positions: Record<string, number> = { source: 100, target: 200 };
  const restarts: string[] = [];
  const hooks: string[] = [];
  const attemptIds: string[] = [];
  const { activities } = stubActivities(() => ({
    async streamChanges(stream) {
      // Each stream runs until its flag is set (a switch's T4), or until stopped (cancelled).
      const ctx = Context.current();
      while (!flags[stream.streamId]) {
        ctx.heartbeat();
        await ctx.sleep(50);
      }
      return { appliedPosition: 'x', rowsApplied: 0, transactionsApplied: 0, stoppedBecause: 'cut-over-complete' };
    },
    async renameSourceTables(plan) {
      renamed[plan.source] = true;
    },
    async inspectRename(plan) {
      return renamed[plan.source] ? 'renamed' : 'not-renamed';
    },
    async renameBack(plan) {
      const renamedBack = renamed[plan.source]!;
      renamed[plan.source] = false;
      return { renamedBack };
    },
    async setCutOverComplete(target, streamId) {
      flags[streamId] = true;
      positions[target]! += 1;
    },
    async readCutOverFlag(target, streamId) {
      return { cutOverComplete: Boolean(flags[streamId]), reverseStart: `${target}@${positions[target]}` };
    },
    async restartStream(cluster, streamId, startPosition) {
      flags[streamId] = false;
      restarts.push(`${cluster} ${streamId} from ${startPosition}`);
    },
    async runHooks(request) {
      hooks.push(`${request.event} ${request.direction ?? 'forward'} ${request.source}→${request.target}`);
      attemptIds.push(request.workflowId);
      return { ran: [] };
    },
    ...overrides,
  }));
  return { activities, renamed, flags, restarts, hooks, attemptIds };
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
      standby: {
        side: 'source',
        streamWorkflowId: expect.stringMatching(/\/reverse-stream$/),
        startPosition: '2-2-20',
      },
    });
    expect(world.calls).toContain('prepareMove');
    // The reverse stream: from the target's database to the source's renamed tables, state on the source.
    expect(streams.map((s) => [s.source, s.target, s.database, s.targetDatabase, s.intoOldTables])).toEqual([
      ['source', 'target', 'shop', 'shop', undefined],
      ['target', 'source', 'shop', 'shop', true],
    ]);
    expect(streams[1]).toMatchObject({ startPosition: '2-2-20', streamId: 'target/shop/orders' });
    expect(result.afterCutOver).toMatchObject({
      liveSide: 'target',
      switches: [],
      completedBecause: 'complete',
      standby: { side: 'source', startPosition: '2-2-20' },
    });
    expect(reverseStopped()).toBe(true);
    expect(final.phase).toBe('done');
    // Kept unless asked.
    expect(world.calls).not.toContain('dropStandbyTables');
  });

  it('open on the target, it adds no history while the standby stream does not change (weeks stay under the limit)', async () => {
    const { env, handle, onTarget } = await reversibleMove();
    const { at, later } = await env.run(async () => {
      await onTarget();
      const at = (await handle.describe()).historyLength;
      await new Promise((r) => setTimeout(r, 20_000));
      const later = (await handle.describe()).historyLength;
      await handle.signal(completeMoveSignal);
      await handle.result();
      return { at, later };
    });
    // A held watch costs nothing until something changes, and at most ~6 events an hour then.
    expect(later - at).toBeLessThanOrEqual(6);
  });

  it('verifyMove on the target compares the live target with the source kept current; the move goes on', async () => {
    const { env, handle, onTarget, diffs } = await reversibleMove();
    const status = await env.run(async () => {
      await onTarget();
      await handle.signal(verifyMoveSignal, { requestId: 'r1' });
      const verified = await statusReaches(
        'verified on demand',
        () => handle.query(moveStatusQuery),
        (s) => s.verification?.requestId === 'r1' && s.verification.state !== 'comparing',
      );
      await handle.signal(completeMoveSignal);
      await handle.result();
      return verified;
    });
    expect(status.phase).toBe('on-target');
    expect(status.verification).toMatchObject({ trigger: 'on-demand', state: 'equal', direction: 'target → source' });
    // The first comparison was the move's own, before its cutover, forward; this one runs in reverse.
    expect(diffs.map((d) => `${d.live.cluster} → ${d.copy.cluster}`)).toEqual(['source → target', 'target → source']);
    expect(diffs[1]).toMatchObject({ tables: [{ live: 'orders', copy: '_orders_del' }] });
    expect(diffs[1]!.streamId).not.toBe(diffs[0]!.streamId);
  });

  it('left open, completes by itself after completeAfterSeconds', async () => {
    const { env, handle, reverseStopped } = await reversibleMove({ completeAfterSeconds: 2 });
    const result = await env.run(() => handle.result());
    expect(result.afterCutOver?.completedBecause).toBe('complete-after');
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
    expect(result.afterCutOver?.completedBecause).toBe('abort');
    expect(world.calls).not.toContain('renameBack');
    expect(world.calls).not.toContain('discardTarget');
    expect(world.hooks).not.toContain('on-failure');
    expect(reverseStopped()).toBe(true);
    expect(final.lastError).toMatch(
      /^aborted after the cutover: the move completes with the application on the target/,
    );
  });

  it('refuses a completeAfterSeconds past 30 days', async () => {
    const { env, handle } = await reversibleMove({ completeAfterSeconds: 31 * 86_400 });
    expect(await env.run(() => failureOf(handle.result()))).toMatch(
      /^InvalidInput: "completeAfterSeconds" must be at most 2592000 \(30 days\), got 2678400$/,
    );
  });

  it('revert switches the application back by the same protocol, release switches it again, complete ends it', async () => {
    const drops: string[] = [];
    const { activities, renamed, restarts, hooks, attemptIds } = twoSidedWorld({
      async dropStandbyTables(input) {
        drops.push(`${input.cluster} ${input.database} ${input.tables.join(',')}`);
        return { dropped: [`${input.database}._orders_del`] };
      },
    });
    const env = await stubWorker(activities);
    const handle = await env.client.workflow.start<typeof moveTables>('moveTables', {
      taskQueue: env.taskQueue,
      workflowId: env.workflowId('move'),
      args: [INPUT],
    });
    const reaches = (phase: MoveStatus['phase']) =>
      statusReaches<MoveStatus>(
        phase,
        () => handle.query(moveStatusQuery),
        (s) => s.phase === phase,
      );
    const seen = await env.run(async () => {
      const onTarget = await reaches('on-target');
      const renamedOnTarget = { ...renamed };
      await handle.signal(revertCutOverSignal);
      const onSource = await reaches('on-source');
      const renamedOnSource = { ...renamed };
      await handle.signal(releaseCutOverSignal);
      await statusReaches<MoveStatus>(
        'on-target again',
        () => handle.query(moveStatusQuery),
        (s) => s.phase === 'on-target' && (s.switches?.length ?? 0) === 2,
      );
      const renamedAgain = { ...renamed };
      await handle.signal(completeMoveSignal, { dropStandbyTables: true });
      return { onTarget, renamedOnTarget, onSource, renamedOnSource, renamedAgain, result: await handle.result() };
    });
    // After the cutover: the source renamed, the target live.
    expect(seen.renamedOnTarget).toEqual({ source: true, target: false });
    // Reverted: the target frozen under its old names, the source's tables back in place (T4b), the
    // target kept current by the forward stream from the source position the revert's T4 recorded.
    expect(seen.renamedOnSource).toEqual({ source: false, target: true });
    expect(seen.onSource).toMatchObject({
      liveSide: 'source',
      standby: { side: 'target', streamWorkflowId: expect.stringMatching(/\/stream$/), startPosition: 'source@101' },
    });
    // Cut over again: the source frozen, the target's tables back in place.
    expect(seen.renamedAgain).toEqual({ source: true, target: false });
    expect(restarts).toEqual([
      'source target/shop/orders from target@201',
      'target source/shop/orders from source@101',
      'source target/shop/orders from target@202',
    ]);
    expect(hooks).toEqual([
      'on-before-cut-over forward source→target',
      'on-success forward source→target',
      'on-before-cut-over revert target→source',
      'on-success revert target→source',
      'on-before-cut-over forward source→target',
      'on-success forward source→target',
    ]);
    expect([...new Set(attemptIds)].map((id) => id.replace(/^.*?\/(cutover|revert-1|switch-2)\//, '$1/'))).toEqual([
      'cutover/1',
      'revert-1/1',
      'switch-2/1',
    ]);
    expect(seen.result.afterCutOver).toMatchObject({
      liveSide: 'target',
      completedBecause: 'complete',
      switches: [{ direction: 'revert' }, { direction: 'forward' }],
      standby: { side: 'source', startPosition: 'target@202' },
      droppedTables: ['shop._orders_del'],
    });
    // Asked for: the standby side's (the source's) renamed tables, after its stream stopped.
    expect(drops).toEqual(['source shop orders']);
  });

  it('a postponed revert waits at its gate, nothing renamed, until releaseCutOver; the release does not cut over again', async () => {
    const { activities, renamed, hooks } = twoSidedWorld();
    const env = await stubWorker(activities);
    const handle = await env.client.workflow.start<typeof moveTables>('moveTables', {
      taskQueue: env.taskQueue,
      workflowId: env.workflowId('move'),
      args: [INPUT],
    });
    const status = () => handle.query(moveStatusQuery);
    const seen = await env.run(async () => {
      await statusReaches<MoveStatus>('on-target', status, (s) => s.phase === 'on-target');
      await handle.signal(revertCutOverSignal, { postpone: true });
      const atGate = await statusReaches<MoveStatus>('the revert postponed', status, (s) =>
        Boolean(s.cutOver?.postponed),
      );
      const renamedAtGate = { ...renamed };
      const hooksAtGate = [...hooks];
      await handle.signal(releaseCutOverSignal);
      const onSource = await statusReaches<MoveStatus>('on-source', status, (s) => s.phase === 'on-source');
      // A while on the source: the release that let the revert go does not switch again.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const later = await status();
      await handle.signal(completeMoveSignal);
      return { atGate, renamedAtGate, hooksAtGate, onSource, later, result: await handle.result() };
    });
    expect(seen.atGate).toMatchObject({ phase: 'cutover', liveSide: 'target' });
    expect(seen.atGate.cutOverWorkflowId).toMatch(/\/revert-1\/1$/);
    expect(seen.renamedAtGate).toEqual({ source: true, target: false });
    expect(seen.hooksAtGate.at(-1)).toBe('on-begin-postponed revert target→source');
    expect(seen.onSource.switches).toMatchObject([{ direction: 'revert' }]);
    expect(seen.later).toMatchObject({ phase: 'on-source', switches: [{ direction: 'revert' }] });
    expect(seen.result.afterCutOver).toMatchObject({ liveSide: 'source', switches: [{ direction: 'revert' }] });
  });

  it('a revert attempt that fails between T1 and T4 compensates on the target: the application stays there, the next attempt switches', async () => {
    let drains = 0;
    const { activities, renamed, hooks } = twoSidedWorld({
      async awaitDrain() {
        // The cutover's drain, then the revert's first (times out), then its second.
        if (++drains === 2) throw failure('DrainTimeout', 'drain timed out');
        return { appliedPosition: 'x', attempts: 1 };
      },
    });
    const env = await stubWorker(activities);
    const handle = await env.client.workflow.start<typeof moveTables>('moveTables', {
      taskQueue: env.taskQueue,
      workflowId: env.workflowId('move'),
      args: [{ ...INPUT, cutOverRetryDelaySeconds: 0.2 }],
    });
    const seen = await env.run(async () => {
      await statusReaches<MoveStatus>(
        'on-target',
        () => handle.query(moveStatusQuery),
        (s) => s.phase === 'on-target',
      );
      await handle.signal(revertCutOverSignal);
      const onSource = await statusReaches<MoveStatus>(
        'on-source',
        () => handle.query(moveStatusQuery),
        (s) => s.phase === 'on-source',
      );
      const renamedOnSource = { ...renamed };
      await handle.signal(completeMoveSignal);
      return { onSource, renamedOnSource, result: await handle.result() };
    });
    expect(seen.onSource.attempts).toMatchObject([
      { attempt: 1, outcome: 'failed', sourceState: 'unchanged', step: 'T3' },
      { attempt: 2, outcome: 'completed' },
    ]);
    expect(seen.onSource.attempts![0]!.workflowId).toMatch(/\/revert-1\/1$/);
    expect(seen.renamedOnSource).toEqual({ source: false, target: true });
    // The failed attempt's on-failure, as a revert.
    expect(hooks).toContain('on-failure revert target→source');
    expect(seen.result.afterCutOver).toMatchObject({ liveSide: 'source', switches: [{ direction: 'revert' }] });
  });
});
