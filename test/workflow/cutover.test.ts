// The cutover's branches, each on the real workflow code with stub activities: which activities
// run, in which order, and how the workflow ends. The real-server counterparts are in
// test/integration (cutover, cutover-crash, faults).
import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { cutOverStatusQuery, releaseCutOverSignal } from '../../contract/definitions.js';
import { failure } from '../../contract/failures.js';
import type { CutOverInput } from '../../contract/cutover.js';
import type { cutOver } from '../../workflows/cutover.js';
import {
  failsWith,
  heldHook,
  stubActivities,
  stubWorker,
  untilCancelled,
  type StubWorld,
} from '../support/stub-activities.js';
import { recordFault } from '../support/fault-report.js';
import { eventually, failureOf, statusReaches } from '../support/waiting.js';

const INPUT: CutOverInput = { source: 'source', target: 'target', database: 'shop', tables: ['orders'] };

const PROTOCOL = [
  'validateCutOver',
  'checkReadiness',
  'runHooks:on-before-cut-over',
  'checkReadiness',
  'renameSourceTables',
  'captureDrainGtid',
  'awaitDrain',
  'setCutOverComplete',
  'runHooks:on-success',
];

async function cutOverWith(overrides: Parameters<typeof stubActivities>[0], input: Partial<CutOverInput> = {}) {
  const { world, activities } = stubActivities(overrides);
  const env = await stubWorker(activities);
  const start = () =>
    env.client.workflow.start<typeof cutOver>('cutOver', {
      taskQueue: env.taskQueue,
      workflowId: env.workflowId('cutover'),
      args: [{ ...INPUT, ...input }],
    });
  return { world, env, start };
}

describe('cutOver workflow (stub activities)', () => {
  it('runs T0..T5 in protocol order and returns the drain GTID and renamed tables', async () => {
    const { world, env, start } = await cutOverWith(() => ({}));
    const result = await env.run(async () => (await start()).result());
    expect(world.calls).toEqual(PROTOCOL);
    expect(result).toMatchObject({
      noop: false,
      drainGtid: '1-1-10',
      appliedPosition: '1-1-10',
      renamedTables: [{ from: 'shop.orders', to: 'shop._orders_del' }],
      hooksRun: ['gh-ost-on-before-cut-over', 'gh-ost-on-success'],
    });
  });

  it('T1 throws but the source shows the tables renamed: proceeds with T2..T5, never a second RENAME', async () => {
    const { world, env, start } = await cutOverWith((w: StubWorld) => ({
      async renameSourceTables() {
        w.renamed = true;
        throw failure('RenameFailed', 'connection lost after the RENAME was sent');
      },
    }));
    const result = await env.run(async () => (await start()).result());
    expect(result.drainGtid).toBe('1-1-10');
    expect(world.calls).toEqual([...PROTOCOL.slice(0, 5), 'inspectRename', ...PROTOCOL.slice(5)]);
    expect(world.calls.filter((c) => c === 'renameSourceTables')).toHaveLength(1);
  });

  it('T1 fails and the source shows the tables unrenamed: CutOverFailed at T1, on-failure fires, no T2', async () => {
    const { world, env, start } = await cutOverWith(() => ({
      renameSourceTables: failsWith('RenameFailed', 'Lock wait timeout exceeded'),
    }));
    const message = await env.run(async () => failureOf((await start()).result()));
    expect(message).toMatch(
      /^CutOverFailed: cutover failed at T1: Lock wait timeout exceeded; the source tables were not renamed/,
    );
    expect(world.calls).toEqual([...PROTOCOL.slice(0, 5), 'inspectRename', 'runHooks:on-failure']);
  });

  it('compensation fails: the failure says the tables stay renamed and names them; on-failure fires', async () => {
    const { world, env, start } = await cutOverWith(() => ({
      awaitDrain: failsWith('DrainTimeout', 'drain timed out after 60000 ms'),
      renameBack: failsWith('RenameFailed', 'source unreachable'),
    }));
    const message = await env.run(async () => failureOf((await start()).result()));
    expect(message).toMatch(
      /^CutOverFailed: cutover failed at T3: drain timed out after 60000 ms; compensation FAILED \(source unreachable\): the source tables stay renamed \(_orders_del\); rename them back by hand/,
    );
    expect(world.calls.slice(-2)).toEqual(['renameBack', 'runHooks:on-failure']);
    expect(world.calls).not.toContain('setCutOverComplete');
    expect(world.renamed).toBe(true);
  });

  it('a failing on-failure hook is reported with the cause, never instead of it', async () => {
    const { world, env, start } = await cutOverWith(() => ({
      async runHooks(request) {
        if (request.event === 'on-before-cut-over')
          throw failure('HookFailed', 'hook gh-ost-on-before-cut-over exited with code 3');
        if (request.event === 'on-failure') throw failure('HookFailed', 'pager unreachable');
        return { ran: [] };
      },
    }));
    const message = await env.run(async () => failureOf((await start()).result()));
    expect(message).toMatch(
      /^CutOverFailed: cutover failed at T0: hook gh-ost-on-before-cut-over exited with code 3; nothing was renamed; the source is unchanged; on-failure hook also failed: pager unreachable$/,
    );
    expect(world.calls).not.toContain('renameSourceTables');
  });

  it('an inspection that cannot read the source after T1 stops the attempt as if renamed: on-failure fires, nothing more is sent', async () => {
    const { world, env, start } = await cutOverWith(() => ({
      renameSourceTables: failsWith('RenameFailed', 'connection lost'),
      inspectRename: failsWith('RenameStateConflict', 'orders: absent, _orders_del: absent'),
    }));
    const err = await env.run(async () =>
      (await start()).result().then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    const cause = (err as WorkflowFailedError).cause as Error & { type?: string; details?: unknown[] };
    expect(`${cause.type}: ${cause.message}`).toMatch(
      /^CutOverFailed: cutover failed at T1: .*orders: absent, _orders_del: absent; the RENAME's outcome is unknown/,
    );
    expect(cause.details?.[0]).toMatchObject({ step: 'T1', sourceState: 'renamed' });
    expect(world.calls.slice(-1)).toEqual(['runHooks:on-failure']);
    expect(world.calls).not.toContain('captureDrainGtid');
    expect(world.calls).not.toContain('renameBack');
    recordFault(
      'T1 lost and the source cannot be inspected (workflow, stub activities)',
      'the attempt fails as renamed, on-failure fires, nothing more is sent to the source',
      'CutOverFailed at T1 with sourceState renamed; on-failure ran; no T2, no rename back',
    );
  });

  it('a T1 that went silent after reporting its connection: the inspection is told to end that connection first', async () => {
    let inspectedWith: number | undefined;
    const { env, start } = await cutOverWith(() => ({
      async renameSourceTables() {
        Context.current().heartbeat({ connectionId: 4242 });
        // Stalled past the heartbeat timeout (5 s): a paused process, or a partition from Temporal.
        await new Promise((resolve) => setTimeout(resolve, 7_000));
      },
      async inspectRename(plan) {
        inspectedWith = plan.t1ConnectionId;
        return 'not-renamed';
      },
    }));
    const message = await env.run(async () => failureOf((await start()).result()));
    expect(message).toMatch(/^CutOverFailed: cutover failed at T1: .*the source tables were not renamed/);
    expect(inspectedWith).toBe(4242);
  }, 20_000);

  it('T4 committed but its outcome was lost: the flag is read, and the cutover rolls forward instead of renaming back', async () => {
    const { world, env, start } = await cutOverWith((w: StubWorld) => ({
      async setCutOverComplete() {
        w.cutOverComplete = true;
        throw failure('StreamNotRegistered', 'connection lost after the UPDATE was sent');
      },
    }));
    const result = await env.run(async () => (await start()).result());
    expect(result.drainGtid).toBe('1-1-10');
    expect(world.calls).not.toContain('renameBack');
    expect(world.calls).toContain('readCutOverFlag');
    expect(world.hooks).toEqual(['on-before-cut-over', 'on-success']);
    recordFault(
      'T4 committed but its outcome lost (workflow, stub activities)',
      'the flag is read before anything is undone; set: the cutover rolls forward',
      'flag read, no rename back, on-success ran',
    );
  });

  it('not ready right before T1 (a long transaction holds the table): no RENAME; the failure says the source is unchanged', async () => {
    const { world, env, start } = await cutOverWith(() => ({
      checkReadiness: failsWith('NotReady', 'a transaction older than 3 s holds a moved table'),
    }));
    const err = await env.run(async () =>
      (await start()).result().then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    const cause = (err as WorkflowFailedError).cause as Error & { type?: string; details?: unknown[] };
    expect(`${cause.type}: ${cause.message}`).toMatch(
      /^CutOverFailed: cutover failed at ready: a transaction older than 3 s holds a moved table; nothing was renamed/,
    );
    expect(cause.details?.[0]).toMatchObject({ step: 'ready', sourceState: 'unchanged' });
    expect(world.calls).not.toContain('renameSourceTables');
    // Not ready before on-before-cut-over: no hook fires, on-failure neither.
    expect(world.calls).toEqual(['validateCutOver', 'checkReadiness']);
  });

  it('ready before on-before-cut-over but not right before T1: no RENAME, on-failure fires after the hook', async () => {
    let checks = 0;
    const { world, env, start } = await cutOverWith(() => ({
      async checkReadiness() {
        if (++checks === 2) throw failure('NotReady', 'the stream did not apply the source position in time');
        return { sourcePosition: '1-1-5', lagMs: 0, notes: [] };
      },
    }));
    const message = await env.run(async () => failureOf((await start()).result()));
    expect(message).toMatch(/^CutOverFailed: cutover failed at ready: the stream did not apply/);
    expect(world.calls).toEqual([
      'validateCutOver',
      'checkReadiness',
      'runHooks:on-before-cut-over',
      'checkReadiness',
      'runHooks:on-failure',
    ]);
  });

  it('holds at the postpone gate: on-begin-postponed fires once, status says postponed, the signal releases it', async () => {
    const { world, env, start } = await cutOverWith(() => ({}), { postpone: true });
    const result = await env.run(async () => {
      const handle = await start();
      await statusReaches(
        'the gate',
        () => handle.query(cutOverStatusQuery),
        (s) => s.step === 'postponed' && s.postponed,
      );
      // Held: nothing past the gate runs while postponed.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(world.calls).toEqual(['validateCutOver', 'runHooks:on-begin-postponed']);
      await handle.signal(releaseCutOverSignal);
      return handle.result();
    });
    expect(result.drainGtid).toBe('1-1-10');
    expect(world.hooks).toEqual(['on-begin-postponed', 'on-before-cut-over', 'on-success']);
  });

  it('cancelled at the gate (before T1): ends cancelled, nothing renamed', async () => {
    const { world, env, start } = await cutOverWith(() => ({}), { postpone: true });
    const err = await env.run(async () => {
      const handle = await start();
      await statusReaches(
        'the gate',
        () => handle.query(cutOverStatusQuery),
        (s) => s.postponed,
      );
      await handle.cancel();
      return handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
    });
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(world.calls).not.toContain('renameSourceTables');
    expect(world.renamed).toBe(false);
  });

  it('cancelled during the drain (after T1): compensation renames back, the flag is never set', async () => {
    const { world, env, start } = await cutOverWith(() => ({ awaitDrain: untilCancelled }));
    const err = await env.run(async () => {
      const handle = await start();
      await eventually('the drain to start', async () => (world.calls.includes('awaitDrain') ? true : undefined));
      await handle.cancel();
      return handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
    });
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(world.calls).toContain('renameBack');
    expect(world.calls).not.toContain('setCutOverComplete');
    expect(world.renamed).toBe(false);
  });

  it('cancelled during on-success (after T4): on-success runs to its end, on-failure never fires, the result says the abort came too late', async () => {
    const onSuccess = heldHook('on-success');
    const { world, env, start } = await cutOverWith((w) => ({ runHooks: onSuccess.runHooks(w) }));
    const result = await env.run(async () => {
      const handle = await start();
      await eventually('on-success to run', async () => (world.hooks.includes('on-success') ? true : undefined));
      await handle.cancel();
      await new Promise((r) => setTimeout(r, 500));
      onSuccess.release();
      return handle.result();
    });
    expect(world.hooks).toEqual(['on-before-cut-over', 'on-success']);
    expect(world.cutOverComplete).toBe(true);
    expect(result.lateAbort).toMatch(/an abort came after T4, the point of no return: the cutover completed/);
    recordFault(
      'abort while on-success runs (after T4)',
      'on-success is not killed, on-failure never fires; the cutover completes and says the abort came too late',
      `hooks ${world.hooks.join(', ')}; ${result.lateAbort}`,
    );
  });

  it('cancelled during the drain with a compensation that fails: the failure says renamed, not cancelled', async () => {
    const { world, env, start } = await cutOverWith(() => ({
      awaitDrain: untilCancelled,
      renameBack: failsWith('RenameFailed', 'the source is unreachable'),
    }));
    const err = await env.run(async () => {
      const handle = await start();
      await eventually('the drain to start', async () => (world.calls.includes('awaitDrain') ? true : undefined));
      await handle.cancel();
      return handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
    });
    const cause = (err as WorkflowFailedError).cause as Error & { type?: string; details?: unknown[] };
    expect(cause.type).toBe('CutOverFailed');
    expect(cause.details?.[0]).toMatchObject({ sourceState: 'renamed' });
    expect(world.renamed).toBe(true);
  });

  it('the flag cannot be read after a failed drain: neither undone nor completed, the tables stay renamed for an operator', async () => {
    const { world, env, start } = await cutOverWith(() => ({
      awaitDrain: failsWith('DrainTimeout', 'drain timed out'),
      async readCutOverFlag() {
        throw failure('ClusterConnectionFailed', 'connect ECONNREFUSED (the target restarts)');
      },
    }));
    const err = await env.run(async () =>
      (await start()).result().then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    const cause = (err as WorkflowFailedError).cause as Error & { type?: string; details?: unknown[] };
    expect(`${cause.type}: ${cause.message}`).toMatch(
      /^CutOverFailed: cutover failed at T3: drain timed out; the cutover-complete flag on target could not be read .*whether T4 happened is unknown: the source tables stay renamed/,
    );
    expect(cause.details?.[0]).toMatchObject({ step: 'T3', sourceState: 'renamed' });
    expect(world.calls).not.toContain('renameBack');
    expect(world.renamed).toBe(true);
  });

  it('a difference found before release names the differing keys, not only the chunk range', async () => {
    const { world, env, start } = await cutOverWith(
      () => ({
        async verifyTables(input) {
          expect(input.listDifferingKeys).toBe(true);
          return {
            ok: false,
            durationMs: 1,
            tables: [
              {
                table: 'orders',
                sourceTable: '_orders_del',
                chunks: 1,
                mismatchedChunks: 1,
                sourceRows: 3,
                targetRows: 2,
                mismatches: [{ afterKey: null, upToKey: [9], sourceRows: 3, targetRows: 2, differingKeys: [[7]] }],
              },
            ],
          };
        },
      }),
      { verifyBeforeRelease: { chunkSize: 100 } },
    );
    const message = await env.run(async () => failureOf((await start()).result()));
    expect(message).toMatch(
      /^CutOverFailed: cutover failed at verify: checksum verification found differences: orders: 1 of 1 chunks differ: \(null, \[9\]\] source 3 rows \/ target 2, differing keys \[\[7\]\]/,
    );
    expect(world.hooks).not.toContain('on-success');
  });

  it('T2 reads the drain position on the server T1 renamed on; another server fails T2 and the attempt compensates', async () => {
    const seen: unknown[] = [];
    const { world, env, start } = await cutOverWith((w) => ({
      async renameSourceTables() {
        w.renamed = true;
        return { renamedOn: 'db-primary:3306#1' };
      },
      async captureDrainGtid(_source, renamedOn) {
        seen.push(renamedOn);
        throw failure(
          'ServerMismatch',
          'the drain position was read on db-replica:3306#2, but the RENAME ran on db-primary:3306#1',
        );
      },
    }));
    const message = await env.run(async () => failureOf((await start()).result()));
    expect(seen).toEqual(['db-primary:3306#1']);
    expect(message).toMatch(
      /^CutOverFailed: cutover failed at T2: the drain position was read on db-replica.*compensated/,
    );
    expect(world.renamed).toBe(false);
  });
});
