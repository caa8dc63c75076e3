// Workflow tests: the real workflow code on a real Temporal dev server (see workflow-setup.ts),
// with stub activities that model the source and target in memory and record every call. A test
// overrides the stubs whose behaviour it is about.
import { randomBytes } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import type { HookEvent, MoveTablesActivities } from '../../contract/activities.js';
import { failure } from '../../contract/failures.js';

/** What the stubs have done: activity calls in order (hooks as `runHooks:<event>`), and the modelled state. */
export interface StubWorld {
  calls: string[];
  /** The source tables are under their T1 names. */
  renamed: boolean;
  cutOverComplete: boolean;
  hooks: HookEvent[];
}

export function stubActivities(overrides: (world: StubWorld) => Partial<MoveTablesActivities> = () => ({})) {
  const world: StubWorld = { calls: [], renamed: false, cutOverComplete: false, hooks: [] };
  const defaults: MoveTablesActivities = {
    async describeCluster(name) {
      return {
        cluster: name,
        flavor: 'mariadb',
        version: '11',
        serverId: 1,
        gtidPosition: '1-1-1',
        logBin: true,
        binlogFormat: 'ROW',
        binlogRowImage: 'FULL',
        binlogRowMetadata: 'FULL',
      };
    },
    async validateCutOver() {},
    async prepareMove(tables) {
      return {
        startPosition: '1-1-1',
        createdTables: tables.tables,
        estimatedRows: Object.fromEntries(tables.tables.map((t) => [t, 100])),
      };
    },
    async planCopyRanges() {
      return [{ index: 0 }];
    },
    async copyRows(input) {
      return {
        table: input.table,
        rowsCopied: 100,
        estimatedRows: 100,
        done: true,
        rowsPerSecond: 1_000,
        throttledMs: 0,
      };
    },
    async streamChanges(input) {
      // The reverse stream runs until stopped.
      if (input.intoOldTables) return untilCancelled();
      // Runs until T4, as the real stream does; cancellation ends it (Context.sleep throws).
      const ctx = Context.current();
      while (!world.cutOverComplete) {
        ctx.heartbeat();
        await ctx.sleep(50);
      }
      return { appliedPosition: '1-1-10', rowsApplied: 0, transactionsApplied: 0, stoppedBecause: 'cut-over-complete' };
    },
    async measureStreamLag() {
      return { lagMs: 0, caughtUp: true, appliedPosition: '1-1-5', sourcePosition: '1-1-5' };
    },
    async observeStream() {
      return { running: !world.cutOverComplete, attempt: 1, appliedPosition: '1-1-5', lagMs: 0 };
    },
    async discardTarget() {},
    async addDeferredKeys() {},
    async watchStream(input) {
      // Held until the modelled stream stops (its only change here), as the real watch holds until a change.
      const ctx = Context.current();
      while (input.last && input.last.running === !world.cutOverComplete) {
        ctx.heartbeat();
        await ctx.sleep(50);
      }
      return { running: !world.cutOverComplete, attempt: 1, appliedPosition: '1-1-5', lagMs: 0 };
    },
    async checkReadiness() {
      return { sourcePosition: '1-1-5', lagMs: 0, notes: [] };
    },
    async verifyTables() {
      return { ok: true, tables: [], durationMs: 1 };
    },
    async diffTables(input) {
      // Both sides equal: every range compared in one slice.
      const compared = Object.fromEntries(
        input.tables.map((t) => [t.copy, { chunks: 1, liveRows: 100, copyRows: 100 }]),
      );
      return { position: '1-1-2', ranges: [], compared, differences: [], unlisted: [], resumedAfterChunks: 0 };
    },
    async runHooks(request) {
      world.hooks.push(request.event);
      return { ran: [`gh-ost-${request.event}`] };
    },
    async renameSourceTables() {
      world.renamed = true;
    },
    async inspectRename() {
      return world.renamed ? 'renamed' : 'not-renamed';
    },
    async renameBack() {
      const renamedBack = world.renamed;
      world.renamed = false;
      return { renamedBack };
    },
    async captureDrainGtid() {
      return '1-1-10';
    },
    async awaitDrain() {
      return { appliedPosition: '1-1-10', attempts: 1 };
    },
    async setCutOverComplete() {
      world.cutOverComplete = true;
    },
    async restartStream() {},
    async dropStandbyTables(input) {
      return { dropped: input.tables.map((t) => `${input.database}._${t}_del`) };
    },
    async readCutOverFlag() {
      return { cutOverComplete: world.cutOverComplete, ...(world.cutOverComplete ? { reverseStart: '2-2-20' } : {}) };
    },
  };
  const implementations = { ...defaults, ...overrides(world) };
  const activities = Object.fromEntries(
    Object.entries(implementations).map(([name, fn]) => [
      name,
      (...args: unknown[]) => {
        const event = name === 'runHooks' ? `:${(args[0] as { event: string }).event}` : '';
        world.calls.push(`${name}${event}`);
        return (fn as (...a: unknown[]) => Promise<unknown>)(...args);
      },
    ]),
  ) as unknown as MoveTablesActivities;
  return { world, activities };
}

/**
 * A `runHooks` stub whose `event` hook runs until `release()` (a routing flip that takes a while);
 * the others return at once.
 */
export function heldHook(event: HookEvent) {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  return {
    release: () => release(),
    runHooks: (world: StubWorld) => async (request: { event: HookEvent }) => {
      world.hooks.push(request.event);
      if (request.event === event) await held;
      return { ran: [`gh-ost-${request.event}`] };
    },
  };
}

/** An activity stub that fails with a typed, non-retryable error. */
export function failsWith(type: Parameters<typeof failure>[0], message: string) {
  return async (): Promise<never> => {
    throw failure(type, message);
  };
}

/** An activity stub that heartbeats until cancelled, as a long poll does. */
export async function untilCancelled(): Promise<never> {
  const ctx = Context.current();
  for (;;) {
    ctx.heartbeat();
    await ctx.sleep(50);
  }
}

/** A client and a worker with `activities` on a task queue of their own; `run` runs `fn` while the worker polls. */
export async function stubWorker(activities: MoveTablesActivities) {
  const { address, namespace, bundlePath } = inject('workflowEnv');
  const taskQueue = `wf_${randomBytes(4).toString('hex')}`;
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    workflowBundle: { codePath: bundlePath },
    activities,
    // Cancellation reaches a heartbeating activity quickly.
    maxHeartbeatThrottleInterval: '100 milliseconds',
  });
  const client = new Client({ connection: await Connection.connect({ address }), namespace });
  return {
    client,
    taskQueue,
    workflowId: (prefix: string) => `${prefix}_${randomBytes(4).toString('hex')}`,
    async run<T>(fn: () => Promise<T>): Promise<T> {
      try {
        return await worker.runUntil(fn);
      } finally {
        await client.connection.close();
        await connection.close();
      }
    },
  };
}
