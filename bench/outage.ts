// What the application sees of a cutover, or of a reversible move's revert:
// `npm run bench:outage [runs=20] [writes/s=500] [setting=stack] [switch=cutover|revert]`.
// On a private stack, per run: an application behind a router (dev/routed-load.ts) writing to the
// live side until a write is refused, then to the other side once the on-success hook (T5) has
// flipped its routing flag. `cutover`: a 10k-row table on source and target, a running stream and
// a `cutOver` workflow. `revert`: a reversible move of a 10k-row table, cut over (no load), the
// application writing on the target, then `revertCutOver` (the protocol from the target, T4b
// included). Prints per run and as p50/p99: T1 start → first refused write, the outage (first
// refused → first accepted on the other side), what writers saw (first failing write sent → first
// accepted on the other side), and the T1→T4 window. The setting is the Temporal dev server's
// (SETTINGS below): eager activity dispatch (system.enableActivityEagerExecution: the worker that
// completes a workflow task gets the next activity in the reply, without a round trip through the
// task queue) and how its SQLite history store syncs (what a faster persistence store is worth).
// Figures only.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BENCH_QUEUE, percentile, routedTable, startBenchStack, streamedTable } from '../dev/bench-stack.js';
import { startRoutedLoad, type RoutedLoadTimes } from '../dev/routed-load.js';
import { startMove } from '../client/moves.js';
import type { CutOverResult } from '../contract/cutover.js';
import { completeMoveSignal, moveStatusQuery, revertCutOverSignal } from '../contract/definitions.js';
import type { MoveStatus } from '../contract/move.js';
import { cutOver } from '../workflows/cutover.js';

const runs = Number(process.argv[2] ?? 20);
const rate = Number(process.argv[3] ?? 500);
const EAGER = ['--dynamic-config-value', 'system.enableActivityEagerExecution=true'];
const NO_SYNC = ['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=off'];
const SETTINGS: Record<string, { lowLatency: boolean; args: string[]; label: string }> = {
  stack: { lowLatency: true, args: [], label: "the local stack's: eager dispatch, SQLite WAL synced at checkpoints" },
  plain: { lowLatency: false, args: [], label: 'the dev server as it comes: SQLite synced at every commit' },
  eager: { lowLatency: false, args: EAGER, label: 'plain + eager dispatch' },
  'no-sync': { lowLatency: false, args: NO_SYNC, label: 'plain + SQLite not synced' },
  'eager-no-sync': { lowLatency: false, args: [...EAGER, ...NO_SYNC], label: 'eager dispatch + SQLite not synced' },
};
const settingName = process.argv[4] ?? 'stack';
const setting = SETTINGS[settingName];
if (!setting) throw new Error(`setting must be one of ${Object.keys(SETTINGS).join(', ')}`);
const ROWS = 10_000;
const switchKind = process.argv[5] ?? 'cutover';
if (switchKind !== 'cutover' && switchKind !== 'revert') throw new Error('switch must be cutover or revert');

// The on-success hook flips the routing flag of this run's database, atomically.
const hooksDir = mkdtempSync(path.join(os.tmpdir(), 'move-tables-outage-hooks-'));
const routeDir = mkdtempSync(path.join(os.tmpdir(), 'move-tables-outage-routes-'));
const hook = path.join(hooksDir, 'gh-ost-on-success');
writeFileSync(
  hook,
  `#!/bin/sh\nprintf target > "${routeDir}/$GH_OST_DATABASE_NAME.tmp" && mv "${routeDir}/$GH_OST_DATABASE_NAME.tmp" "${routeDir}/$GH_OST_DATABASE_NAME"\n`,
);
chmodSync(hook, 0o755);

const bench = await startBenchStack({
  workerEnv: { MOVE_TABLES_HOOKS_DIR: hooksDir },
  temporalArgs: setting.args,
  temporalLowLatency: setting.lowLatency,
});
const { clusters, client } = bench;

/** When T1's activity started, by the server's clock (same machine). */
async function t1StartedAt(workflowId: string): Promise<number> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const scheduled = events.find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'renameSourceTables',
  );
  const started = events.find(
    (e) => e.activityTaskStartedEventAttributes?.scheduledEventId?.toString() === scheduled?.eventId?.toString(),
  );
  const time = started?.eventTime;
  return Number(time?.seconds ?? 0) * 1_000 + Math.floor(Number(time?.nanos ?? 0) / 1e6);
}

interface Measured {
  /** The attempt that switched: its T1 is where the outage starts. */
  workflowId: string;
  result: CutOverResult;
  times: RoutedLoadTimes;
}

/** A cutover of a table streamed to the target, under the application's writes on the source. */
async function cutOverRun(database: string, routeFile: string): Promise<Measured> {
  const { tables: base, stream, close } = await streamedTable(bench, database, ROWS);
  const load = startRoutedLoad({
    source: clusters.connectionOptions('source'),
    target: clusters.connectionOptions('target'),
    database,
    table: 't',
    ratePerSecond: rate,
    routeFile,
  });
  await sleep(2_000);
  const workflowId = `outage-cutover-${database}-${Date.now()}`;
  const result = await client.workflow.execute(cutOver, { taskQueue: BENCH_QUEUE, workflowId, args: [base] });
  await sleep(300);
  const times = await load.stop();
  await stream.result();
  await close();
  return { workflowId, result, times };
}

/** A reversible move cut over, then reverted under the application's writes on the target. */
async function revertRun(database: string, routeFile: string): Promise<Measured> {
  const source = await clusters.connect('source');
  await routedTable(source, database, ROWS);
  await source.end();
  const move = await startMove(
    client,
    { source: 'source', target: 'target', database, tables: ['t'], verify: 'skip', reversible: true },
    BENCH_QUEUE,
  );
  const reaches = async (phase: MoveStatus['phase']): Promise<MoveStatus> => {
    for (;;) {
      const status = await move.query(moveStatusQuery);
      if (status.phase === phase) return status;
      if (status.phase === 'failed') throw new Error(`${database}: the move failed: ${status.lastError}`);
      await sleep(100);
    }
  };
  await reaches('on-target');
  // The cutover's on-success flipped the flag to the target; the application lives there now.
  rmSync(routeFile, { force: true });
  const load = startRoutedLoad({
    source: clusters.connectionOptions('target'),
    target: clusters.connectionOptions('source'),
    database,
    table: 't',
    ratePerSecond: rate,
    routeFile,
  });
  await sleep(2_000);
  await move.signal(revertCutOverSignal);
  const onSource = await reaches('on-source');
  await sleep(300);
  const times = await load.stop();
  const workflowId = onSource.attempts!.at(-1)!.workflowId;
  const result = await client.workflow.getHandle<typeof cutOver>(workflowId).result();
  await move.signal(completeMoveSignal, { dropStandbyTables: true });
  await move.result();
  return { workflowId, result, times };
}

const figures = { toRefused: [] as number[], outage: [] as number[], seen: [] as number[], window: [] as number[] };
try {
  const settings = `Temporal: ${setting.label}`;
  console.log(`${runs} ${switchKind}s at ${rate} writes/s, ${settings}`);
  for (let run = 1; run <= runs; run++) {
    const database = `outage_${switchKind}_${run}`;
    const routeFile = path.join(routeDir, database);
    const { workflowId, result, times } =
      switchKind === 'cutover' ? await cutOverRun(database, routeFile) : await revertRun(database, routeFile);
    if (times.errors.length) throw new Error(`run ${run}: writes failed: ${times.errors.slice(0, 3).join('; ')}`);
    const t1 = await t1StartedAt(workflowId);
    const refused = times.firstRefusedAt!;
    const accepted = times.firstTargetAcceptedAt!;
    const row = {
      toRefused: refused - t1,
      outage: accepted - refused,
      seen: accepted - times.firstFailedSentAt!,
      window: result.cutoverWindowMs!,
    };
    for (const key of Object.keys(figures) as Array<keyof typeof figures>) figures[key].push(row[key]);
    const steps = result.stepDurationsMs;
    console.log(
      `run ${String(run).padStart(2)}: T1 start → refused ${row.toRefused} ms, outage ${row.outage} ms, writers saw ${row.seen} ms, T1→T4 ${row.window} ms ` +
        `(T1 ${steps.T1} T2 ${steps.T2} T3 ${steps.T3} T4 ${steps.T4}${steps.T4b === undefined ? '' : ` T4b ${steps.T4b}`} T5 ${steps.T5} ms; route flipped ${times.routeFlippedAt! - refused} ms after the refusal)`,
    );
  }
  const line = (name: string, values: number[]) =>
    `  ${name.padEnd(44)} p50 ${String(percentile(values, 50)).padStart(4)} ms   p99 ${String(percentile(values, 99)).padStart(4)} ms   max ${Math.max(...values)} ms`;
  console.log(`\nover ${runs} ${switchKind}s at ${rate} writes/s, ${settings}:`);
  console.log(line('T1 start → first refused write', figures.toRefused));
  console.log(line('outage: first refused → first on other side', figures.outage));
  console.log(line('writers saw: first failing → other side', figures.seen));
  console.log(line('cutover window T1 → T4', figures.window));
} finally {
  await bench.close();
}
