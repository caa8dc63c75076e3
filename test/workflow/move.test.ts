// The move's orchestration with stub activities: the phases in order, and a stream that fails
// while the copy runs ends the move before any cutover step.
import { Context } from '@temporalio/activity';
import { describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { moveStatusQuery, releaseCutOverSignal, retryCutOverSignal } from '../../contract/definitions.js';
import { failure } from '../../contract/failures.js';
import type { MoveTablesInput } from '../../contract/move.js';
import type { moveTables } from '../../workflows/move-tables.js';
import { failsWith, heldHook, stubActivities, stubWorker } from '../support/stub-activities.js';
import { recordFault } from '../support/fault-report.js';
import { failureOf, statusReaches } from '../support/waiting.js';

const INPUT: MoveTablesInput = {
  source: 'source',
  target: 'target',
  database: 'shop',
  tables: ['orders'],
  reversible: false,
};

async function moveWith(overrides: Parameters<typeof stubActivities>[0], input: Partial<MoveTablesInput> = {}) {
  const { world, activities } = stubActivities(overrides);
  const env = await stubWorker(activities);
  const start = () =>
    env.client.workflow.start<typeof moveTables>('moveTables', {
      taskQueue: env.taskQueue,
      workflowId: env.workflowId('move'),
      args: [{ ...INPUT, cutOverRetryDelaySeconds: 0.2, ...input }],
    });
  return { world, env, start };
}

/**
 * Attempt 1's drain times out with onFailure "hold" (the tables stay renamed), `retryCutOver` renames
 * them back and attempt 2 completes: the result, the calls, and each attempt's run id.
 */
async function heldThenRetried(overrides: NonNullable<Parameters<typeof stubActivities>[0]>) {
  let drains = 0;
  const { world, env, start } = await moveWith(
    (w) => ({
      async awaitDrain() {
        if (++drains === 1) throw failure('DrainTimeout', 'drain timed out');
        return { appliedPosition: '1-1-10', attempts: 1 };
      },
      ...overrides(w),
    }),
    { onFailure: 'hold' },
  );
  return env.run(async () => {
    const handle = await start();
    await statusReaches(
      'holding',
      () => handle.query(moveStatusQuery),
      (s) => s.phase === 'holding',
    );
    await handle.signal(retryCutOverSignal);
    const result = await handle.result();
    const attempts: string[] = [];
    for (const a of (await handle.query(moveStatusQuery)).attempts!)
      attempts.push((await env.client.workflow.getHandle(a.workflowId).describe()).runId);
    return { world, result, attempts };
  });
}

const count = (calls: string[], name: string) => calls.filter((c) => c === name).length;

describe('moveTables workflow (stub activities)', () => {
  it('prepares, streams, copies, catches up, verifies at one position, cuts over, in that order', async () => {
    const { world, env, start } = await moveWith(() => ({}));
    const { result, status } = await env.run(async () => {
      const handle = await start();
      return { result: await handle.result(), status: await handle.query(moveStatusQuery) };
    });
    const order = [
      'prepareMove',
      'copyRows',
      'measureStreamLag',
      'diffTables',
      'validateCutOver',
      'renameSourceTables',
      'setCutOverComplete',
    ];
    expect(world.calls.filter((c) => order.includes(c))).toEqual(order);
    // The default verification ran before the cutover: none after it.
    expect(world.calls).not.toContain('verifyTables');
    expect(world.calls).toContain('streamChanges');
    expect(result).toMatchObject({
      startPosition: '1-1-1',
      rowsCopied: 100,
      cutOver: { drainGtid: '1-1-10' },
      verify: { ok: true, beforeCutOver: { position: '1-1-2', snapshots: 1, passes: 1 } },
    });
    expect(status.phase).toBe('done');
  });

  it('builds the keys prepare deferred once the rows are in, before the catch-up; the copy time counts them', async () => {
    const keys = { orders: [{ name: 'placed', definition: 'KEY `placed` (`placed`)' }] };
    const inputs: unknown[] = [];
    const { world, env, start } = await moveWith(
      () => ({
        async prepareMove(tables) {
          expect(tables).toMatchObject({ deferSecondaryKeys: true });
          return {
            startPosition: '1-1-1',
            createdTables: ['orders'],
            estimatedRows: { orders: 100 },
            deferredKeys: keys,
          };
        },
        async addDeferredKeys(input) {
          inputs.push(input);
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        },
      }),
      { verify: 'skip' },
    );
    const { result, status } = await env.run(async () => {
      const handle = await start();
      const building = await statusReaches(
        'building the deferred keys',
        () => handle.query(moveStatusQuery),
        (s) => s.deferredKeys?.state === 'adding',
      );
      expect(building.phase).toBe('copy');
      return { result: await handle.result(), status: await handle.query(moveStatusQuery) };
    });
    const order = ['copyRows', 'addDeferredKeys', 'measureStreamLag', 'renameSourceTables'];
    expect(world.calls.filter((c) => order.includes(c))).toEqual(order);
    expect(inputs).toEqual([{ target: 'target', targetDatabase: 'shop', keys }]);
    expect(status.deferredKeys).toMatchObject({ state: 'added', keys: 1, tables: 1 });
    expect(result.copySeconds).toBeGreaterThanOrEqual(1);
  });

  it('builds no keys when prepare deferred none, or when asked not to defer', async () => {
    const { world, env, start } = await moveWith(
      () => ({
        async prepareMove(tables) {
          expect(tables).not.toHaveProperty('deferSecondaryKeys');
          return { startPosition: '1-1-1', createdTables: ['orders'], estimatedRows: { orders: 100 } };
        },
      }),
      { verify: 'skip', deferSecondaryKeys: false },
    );
    const status = await env.run(async () => {
      const handle = await start();
      await handle.result();
      return handle.query(moveStatusQuery);
    });
    expect(world.calls).not.toContain('addDeferredKeys');
    expect(status.deferredKeys).toBeUndefined();
  });

  it('the window reports to the move only from a step that lasts: none from quick steps, one from a 1.5 s drain', async () => {
    const { env, start } = await moveWith(() => ({
      async awaitDrain() {
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        return { appliedPosition: '1-1-10', attempts: 15 };
      },
    }));
    const reported = await env.run(async () => {
      const handle = await start();
      const { attempts } = await handle.result().then(() => handle.query(moveStatusQuery));
      const { events } = await env.client.workflow.getHandle(attempts![0]!.workflowId).fetchHistory();
      // The step each report to the move named, from T1's scheduling on.
      const steps: string[] = [];
      let fromT1 = false;
      for (const e of events ?? []) {
        if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'renameSourceTables') fromT1 = true;
        const payload = e.signalExternalWorkflowExecutionInitiatedEventAttributes?.input?.payloads?.[0]?.data;
        if (fromT1 && payload) steps.push((JSON.parse(Buffer.from(payload).toString()) as { step: string }).step);
      }
      return steps;
    });
    expect(reported).toEqual(['T3']);
  });

  it('a copied table shows what it copied as its total, not the estimate the server gave', async () => {
    // InnoDB's estimate is a sample: 3% above the 970 rows the copy found.
    const { env, start } = await moveWith(() => ({
      async copyRows(input) {
        return {
          table: input.table,
          rowsCopied: 970,
          estimatedRows: 1_000,
          done: true,
          rowsPerSecond: 1_000,
          throttledMs: 0,
        };
      },
    }));
    const status = await env.run(async () => {
      const handle = await start();
      await handle.result();
      return handle.query(moveStatusQuery);
    });
    expect(status).toMatchObject({ rowsCopied: 970, estimatedRows: 970, etaSeconds: 0 });
    expect(status.tables.orders).toEqual({ rowsCopied: 970, estimatedRows: 970, done: true });
  });

  it('a stream that fails for good during the copy ends the move with the stream error as its own before any cutover step', async () => {
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
      /^UnsupportedDdl: the binlog stream failed: DDL on a moved table \(shop\.orders\) at GTID 1-1-7$/,
    );
    expect(slices).toBeGreaterThan(0);
    expect(world.calls).not.toContain('validateCutOver');
    expect(world.calls).not.toContain('renameSourceTables');
  });

  it('an attempt that leaves the source unchanged is retried after a backoff; the copy is not repeated', async () => {
    let renames = 0;
    const { world, env, start } = await moveWith((w) => ({
      async renameSourceTables() {
        if (++renames === 1) throw failure('RenameFailed', 'Lock wait timeout exceeded; try restarting transaction');
        w.renamed = true;
      },
    }));
    const { result, status } = await env.run(async () => {
      const handle = await start();
      return { result: await handle.result(), status: await handle.query(moveStatusQuery) };
    });
    expect(result.cutOver.drainGtid).toBe('1-1-10');
    expect(status.attempts).toMatchObject([
      {
        attempt: 1,
        outcome: 'failed',
        sourceState: 'unchanged',
        step: 'T1',
        cause: expect.stringMatching(/Lock wait timeout/),
      },
      { attempt: 2, outcome: 'completed', step: 'T6' },
    ]);
    expect(status.attempts![1]!.workflowId).toMatch(/\/cutover\/2$/);
    expect(count(world.calls, 'prepareMove')).toBe(1);
    expect(count(world.calls, 'copyRows')).toBe(1);
    expect(count(world.calls, 'renameSourceTables')).toBe(2);
  });

  it('holds when the attempts are used up (source unchanged); retryCutOver starts one that completes', async () => {
    let ready = false;
    const { world, env, start } = await moveWith(
      () => ({
        async checkReadiness() {
          if (!ready) throw failure('NotReady', 'a transaction older than 3 s holds shop.orders');
          return { sourcePosition: '1-1-5', lagMs: 0, notes: [] };
        },
      }),
      { cutOverAttempts: 2 },
    );
    const { result, held } = await env.run(async () => {
      const handle = await start();
      const held = await statusReaches(
        'holding',
        () => handle.query(moveStatusQuery),
        (s) => s.phase === 'holding',
      );
      ready = true;
      await handle.signal(retryCutOverSignal);
      return { result: await handle.result(), held };
    });
    expect(held.hold).toMatchObject({
      renamedTables: [],
      reason: expect.stringMatching(/^2 cutover attempt\(s\) failed; the last: .*holds shop\.orders/),
    });
    expect(held.attempts?.map((a) => a.outcome)).toEqual(['failed', 'failed']);
    expect(result.cutOver.drainGtid).toBe('1-1-10');
    expect(count(world.calls, 'renameSourceTables')).toBe(1);
  });

  it('an attempt that leaves the tables renamed holds, and abort renames them back before the move ends', async () => {
    const { world, env, start } = await moveWith(() => ({ awaitDrain: failsWith('DrainTimeout', 'drain timed out') }), {
      onFailure: 'hold',
    });
    const { held, err } = await env.run(async () => {
      const handle = await start();
      const held = await statusReaches(
        'holding',
        () => handle.query(moveStatusQuery),
        (s) => s.phase === 'holding',
      );
      expect(world.renamed).toBe(true);
      await handle.cancel();
      return {
        held,
        err: await handle.result().then(
          () => undefined,
          (e: unknown) => e,
        ),
      };
    });
    expect(held.hold?.renamedTables).toEqual(['shop._orders_del']);
    expect(held.attempts).toMatchObject([{ outcome: 'failed', sourceState: 'renamed', step: 'T3' }]);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(world.renamed).toBe(false);
    // Renamed back, then (the abort) what the move made on the target discarded.
    expect(world.calls.slice(-2)).toEqual(['renameBack', 'discardTarget']);
  });

  it('retryCutOver from a renamed hold renames back first, then a new attempt completes', async () => {
    const { world, result } = await heldThenRetried(() => ({}));
    expect(result.cutOver.drainGtid).toBe('1-1-10');
    const order = world.calls.filter((c) => ['renameSourceTables', 'renameBack'].includes(c));
    expect(order).toEqual(['renameSourceTables', 'renameBack', 'renameSourceTables']);
  });

  it('every RENAME is fenced: each attempt its own fence, and a hold settles the attempts before it renames back', async () => {
    const plans: Array<{ step: string; fence?: string; settles?: string[] }> = [];
    const { attempts } = await heldThenRetried((w) => ({
      async renameSourceTables(plan) {
        plans.push({ step: 'T1', fence: plan.fence });
        w.renamed = true;
      },
      async renameBack(plan) {
        plans.push({ step: 'rename back', fence: plan.fence, settles: plan.settles });
        const renamedBack = w.renamed;
        w.renamed = false;
        return { renamedBack };
      },
    }));
    expect(plans).toEqual([
      { step: 'T1', fence: attempts[0] },
      { step: 'rename back', fence: expect.stringMatching(/\/hold\/1$/), settles: [attempts[0]] },
      { step: 'T1', fence: attempts[1] },
    ]);
    expect(attempts[0]).not.toBe(attempts[1]);
  });

  it('a stream that fails while an attempt waits at the gate cancels it before any RENAME and ends the move with its error', async () => {
    const { world, env, start } = await moveWith(
      (w) => ({
        async streamChanges() {
          const ctx = Context.current();
          while (!w.hooks.includes('on-begin-postponed')) {
            ctx.heartbeat();
            await ctx.sleep(50);
          }
          throw failure('BinlogPurged', 'the binlogs the stream needs are no longer on the source');
        },
      }),
      { postpone: true },
    );
    const message = await env.run(async () => failureOf((await start()).result()));
    expect(message).toMatch(
      /^BinlogPurged: the binlog stream failed: the binlogs the stream needs are no longer on the source$/,
    );
    expect(world.calls).not.toContain('renameSourceTables');
  });

  it('at the gate, status carries the stream as observed', async () => {
    const { env, start } = await moveWith(() => ({}), { postpone: true });
    const status = await env.run(async () => {
      const handle = await start();
      const observed = await statusReaches(
        'an observation at the gate',
        () => handle.query(moveStatusQuery),
        (s) => Boolean(s.cutOver?.postponed && s.stream?.observedAt),
      );
      await handle.signal(releaseCutOverSignal);
      await handle.result();
      return observed;
    });
    expect(status.stream).toMatchObject({ running: true, attempt: 1, appliedPosition: '1-1-5', lagMs: 0 });
    expect(status.appliedGtid).toBe('1-1-5');
  });

  it('a difference found after release is reported with its keys; the completed move does not fail', async () => {
    const { env, start } = await moveWith(
      () => ({
        async verifyTables() {
          return {
            ok: false,
            durationMs: 1,
            tables: [
              {
                table: 'orders',
                sourceTable: '_orders_del',
                sourceRows: 100,
                targetRows: 100,
                chunks: 1,
                mismatchedChunks: 1,
                mismatches: [
                  { afterKey: null, upToKey: null, sourceRows: 100, targetRows: 100, differingKeys: [[42]] },
                ],
              },
            ],
          };
        },
      }),
      { verify: 'after-release' },
    );
    const { result, status } = await env.run(async () => {
      const handle = await start();
      return { result: await handle.result(), status: await handle.query(moveStatusQuery) };
    });
    expect(result.verify).toMatchObject({ ok: false, afterRelease: true });
    expect(status.phase).toBe('done');
    expect(status.lastError).toMatch(/^verification after release found differences in orders \(1 keys listed\)/);
  });

  it('aborted after T4 (during on-success): the move completes, says the abort came too late, on-failure never fires', async () => {
    const onSuccess = heldHook('on-success');
    const { world, env, start } = await moveWith((w) => ({ runHooks: onSuccess.runHooks(w) }));
    const { result, status } = await env.run(async () => {
      const handle = await start();
      await statusReaches(
        'on-success',
        () => handle.query(moveStatusQuery),
        () => world.hooks.includes('on-success'),
      );
      await handle.cancel();
      await new Promise((r) => setTimeout(r, 500));
      onSuccess.release();
      return { result: await handle.result(), status: await handle.query(moveStatusQuery) };
    });
    expect(status.phase).toBe('done');
    expect(status.lastError).toMatch(/abort came after T4, the point of no return.*verification after release skipped/);
    expect(result.cutOver.lateAbort).toBeDefined();
    expect(world.hooks).not.toContain('on-failure');
    expect(count(world.calls, 'verifyTables')).toBe(0);
  });

  it('aborted during the drain with a rename-back that fails: holds with the tables renamed until retryCutOver renames them back, then ends cancelled', async () => {
    let renameBacks = 0;
    const { world, env, start } = await moveWith((w) => ({
      awaitDrain: async () => {
        const ctx = Context.current();
        for (;;) {
          ctx.heartbeat();
          await ctx.sleep(50);
        }
      },
      async renameBack() {
        if (++renameBacks <= 2) throw failure('RenameFailed', 'the source is unreachable');
        w.renamed = false;
        return { renamedBack: true };
      },
    }));
    const { held, err } = await env.run(async () => {
      const handle = await start();
      await statusReaches(
        'the drain',
        () => handle.query(moveStatusQuery),
        () => world.calls.includes('awaitDrain'),
      );
      await handle.cancel();
      const held = await statusReaches(
        'holding after the abort',
        () => handle.query(moveStatusQuery),
        (s) => s.phase === 'holding' && /aborted, but renaming the tables back failed/.test(s.lastError ?? ''),
      );
      expect(world.renamed).toBe(true);
      await handle.signal(retryCutOverSignal);
      return {
        held,
        err: await handle.result().then(
          () => undefined,
          (e: unknown) => e,
        ),
      };
    });
    expect(held.hold?.renamedTables).toEqual(['shop._orders_del']);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(world.renamed).toBe(false);
  });

  it('a hold never renames back once the flag is set: retryCutOver is refused with the reason', async () => {
    let flagReads = 0;
    const { world, env, start } = await moveWith(
      (w) => ({
        // T4 commits but the attempt is lost past it: the move only sees a failure it must inspect.
        async setCutOverComplete() {
          w.cutOverComplete = true;
          throw failure('StreamFailed', 'the attempt was lost after T4');
        },
        // Unreadable while the attempt compensates; readable again by the time an operator retries.
        async readCutOverFlag() {
          if (++flagReads === 1) throw failure('ClusterConnectionFailed', 'connect ECONNREFUSED');
          return { cutOverComplete: w.cutOverComplete };
        },
      }),
      { cutOverAttempts: 1 },
    );
    const held = await env.run(async () => {
      const handle = await start();
      await statusReaches(
        'holding',
        () => handle.query(moveStatusQuery),
        (s) => s.phase === 'holding',
      );
      await handle.signal(retryCutOverSignal);
      return statusReaches(
        'the refusal',
        () => handle.query(moveStatusQuery),
        (s) => /the cutover-complete flag is set/.test(s.lastError ?? ''),
      ).finally(() => handle.terminate('test done'));
    });
    expect(held.phase).toBe('holding');
    expect(world.renamed).toBe(true);
    expect(world.calls).not.toContain('renameBack');
  });

  it('waiting at the gate adds no history while the stream does not change (a month stays under the limit)', async () => {
    const { env, start } = await moveWith(() => ({}), { postpone: true });
    const { atGate, later } = await env.run(async () => {
      const handle = await start();
      await statusReaches(
        'an observation at the gate',
        () => handle.query(moveStatusQuery),
        (s) => Boolean(s.cutOver?.postponed && s.stream?.observedAt),
      );
      const atGate = (await handle.describe()).historyLength;
      await new Promise((r) => setTimeout(r, 20_000));
      const later = (await handle.describe()).historyLength;
      await handle.signal(releaseCutOverSignal);
      await handle.result();
      return { atGate, later };
    });
    // Polling every 5 s cost ~11 events a look (~32,000 a day); a held watch costs nothing until
    // something changes, and at most ~6 events an hour then (docs/moving-tables.md).
    expect(later - atGate).toBeLessThanOrEqual(6);
    recordFault(
      'a move waits at its postpone gate (history growth while nothing changes)',
      'no events while idle; a month at the gate stays under the 51,200-event limit',
      `${later - atGate} events in 20 s at the gate (polling added ~44)`,
    );
  });

  it('an aborted move drops the target tables it created and forgets its state there, unless told to keep them', async () => {
    const discarded: unknown[] = [];
    const abortAtGate = async (input: Partial<MoveTablesInput>) => {
      const { world, env, start } = await moveWith(
        () => ({
          async discardTarget(request) {
            discarded.push(request);
          },
        }),
        { postpone: true, ...input },
      );
      await env.run(async () => {
        const handle = await start();
        await statusReaches(
          'the gate',
          () => handle.query(moveStatusQuery),
          (s) => s.cutOver?.postponed === true,
        );
        await handle.cancel();
        await handle.result().catch(() => undefined);
      });
      return world;
    };
    const world = await abortAtGate({});
    expect(discarded).toEqual([
      { target: 'target', targetDatabase: 'shop', streamId: 'source/shop/orders', created: ['orders'], emptied: [] },
    ]);
    expect(world.calls).not.toContain('renameSourceTables');
    await abortAtGate({ keepTargetOnAbort: true });
    expect(discarded).toHaveLength(1);
  });
});
