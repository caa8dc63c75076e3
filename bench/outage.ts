// What the application sees of a cutover: `npm run bench:outage [runs=20] [writes/s=500] [setting=stack]`.
// On a private stack, per run: a 10k-row table on source and target, a running stream, and an
// application behind a router (dev/routed-load.ts) writing to the source until a write is refused,
// then to the target once the on-success hook (T5) has flipped its routing flag. Prints per run and
// as p50/p99: T1 start → first refused write, the outage (first refused → first accepted on the
// target), what writers saw (first failing write sent → first accepted on the target), and the
// T1→T4 window. The setting is the Temporal dev server's (SETTINGS below): eager activity dispatch
// (system.enableActivityEagerExecution: the worker that completes a workflow task gets the next
// activity in the reply, without a round trip through the task queue) and how its SQLite history
// store syncs (what a faster persistence store is worth). Figures only.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BENCH_QUEUE, percentile, startBenchStack, streamedTable } from '../dev/bench-stack.js';
import { startRoutedLoad } from '../dev/routed-load.js';
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

const figures = { toRefused: [] as number[], outage: [] as number[], seen: [] as number[], window: [] as number[] };
try {
  const settings = `Temporal: ${setting.label}`;
  console.log(`${runs} runs at ${rate} writes/s, ${settings}`);
  for (let run = 1; run <= runs; run++) {
    const database = `outage_${run}`;
    const { tables: base, stream, close } = await streamedTable(bench, database, ROWS);
    const load = startRoutedLoad({
      source: clusters.connectionOptions('source'),
      target: clusters.connectionOptions('target'),
      database,
      table: 't',
      ratePerSecond: rate,
      routeFile: path.join(routeDir, database),
    });
    await sleep(2_000);
    const workflowId = `outage-cutover-${run}-${Date.now()}`;
    const result = await client.workflow.execute(cutOver, { taskQueue: BENCH_QUEUE, workflowId, args: [base] });
    await sleep(300);
    const times = await load.stop();
    await stream.result();
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
        `(T1 ${steps.T1} T2 ${steps.T2} T3 ${steps.T3} T4 ${steps.T4} T5 ${steps.T5} ms; route flipped ${times.routeFlippedAt! - refused} ms after the refusal)`,
    );
    await close();
  }
  const line = (name: string, values: number[]) =>
    `  ${name.padEnd(42)} p50 ${String(percentile(values, 50)).padStart(4)} ms   p99 ${String(percentile(values, 99)).padStart(4)} ms   max ${Math.max(...values)} ms`;
  console.log(`\nover ${runs} runs at ${rate} writes/s, ${settings}:`);
  console.log(line('T1 start → first refused write', figures.toRefused));
  console.log(line('outage: first refused → first on target', figures.outage));
  console.log(line('writers saw: first failing write → target', figures.seen));
  console.log(line('cutover window T1 → T4', figures.window));
} finally {
  await bench.close();
}
