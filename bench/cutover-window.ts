// Cutover window under write load: `npm run bench:cutover [runs] [writes/s]`.
// On a private stack (temporary dir, free ports): per run, a 10k-row table on source and target,
// a running stream, write load at the given rate for 3 s, then the cutover while the load keeps
// writing until the RENAME turns it away. Prints each run's window (T1 start -> T4 done) and
// step timings, then median and max. Figures only: nothing is asserted.
import { setTimeout as sleep } from 'node:timers/promises';
import { startWriteLoad } from '../dev/write-load.js';
import { cutOver } from '../workflows/cutover.js';
import { BENCH_QUEUE, median, startBenchStack, streamedTable } from '../dev/bench-stack.js';

const runs = Number(process.argv[2] ?? 10);
const rate = Number(process.argv[3] ?? 300);
const ROWS = 10_000;

const bench = await startBenchStack();
const { clusters, client } = bench;

const windows: number[] = [];
try {
  for (let run = 1; run <= runs; run++) {
    const database = `bench_${run}`;
    const { tables: base, stream, close } = await streamedTable(bench, database, ROWS);
    const load = startWriteLoad({
      connection: clusters.connectionOptions('source'),
      database,
      table: 't',
      ratePerSecond: rate,
    });
    await sleep(3_000);
    const result = await client.workflow.execute(cutOver, {
      taskQueue: BENCH_QUEUE,
      workflowId: `bench-cutover-${run}-${Date.now()}`,
      args: [base],
    });
    const stats = await load.stop();
    await stream.result();
    windows.push(result.cutoverWindowMs!);
    const steps = result.stepDurationsMs;
    console.log(
      `run ${String(run).padStart(2)}: window ${result.cutoverWindowMs} ms (T1 ${steps.T1} / T2 ${steps.T2} / T3 ${steps.T3} / T4 ${steps.T4} ms), load ${stats.acceptedPerSecond.toFixed(0)} writes/s, ${stats.rejected} rejected by the RENAME`,
    );
    await close();
  }
  console.log(
    `cutover window over ${runs} runs at ${rate} writes/s: median ${median(windows)} ms, max ${Math.max(...windows)} ms, min ${Math.min(...windows)} ms`,
  );
} finally {
  await bench.close();
}
