// Worker start time and memory: `npm run bench:worker [rows=1000000]`. On a private stack: the
// shipped worker (node dist/worker/main.js, prebuilt bundle) against the worker run from source
// (tsx, workflows bundled by webpack at start), three starts each: time to "worker started" and
// resident memory once idle; then the shipped worker's resident memory idle and at its peak during
// a move of `rows` rows (copy with the stream running). Figures only: nothing is asserted.
import { readFileSync } from 'node:fs';
import { startMove } from '../client/moves.js';
import { BENCH_QUEUE, median, startBenchStack } from '../dev/bench-stack.js';
import { stackEnv } from '../dev/stack/stack.js';
import { SHIPPED_WORKER, spawnWorkerProcess } from '../dev/worker-process.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const MB = 1048576;

function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

const bench = await startBenchStack();
try {
  const env = { ...stackEnv(bench.state), MOVE_TABLES_TASK_QUEUE: 'bench-start' };
  for (const [label, entry] of [
    ['shipped (bin/move-tables-worker: node dist/, prebuilt bundle, its heap limit)', SHIPPED_WORKER],
    ['from source (tsx, bundled at start)', undefined],
  ] as const) {
    const starts: number[] = [];
    const idle: number[] = [];
    const peaks: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const worker = await spawnWorkerProcess(env, entry);
      starts.push(Date.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const m = memory(worker.child.pid!);
      idle.push(m.rss);
      peaks.push(m.peak);
      await worker.stop();
    }
    console.log(
      `${label}: start ${median(starts)} ms (median of 3), idle RSS ${(median(idle) / MB).toFixed(0)} MB, peak so far ${(median(peaks) / MB).toFixed(0)} MB`,
    );
  }

  const source = bench.clusters.pool('source');
  await source.query('CREATE DATABASE bench');
  await source.query('CREATE TABLE bench.t (id BIGINT PRIMARY KEY, a CHAR(32), b VARCHAR(40), n INT, at DATETIME)');
  await source.query(
    `INSERT INTO bench.t SELECT seq, MD5(seq), SUBSTR(SHA1(seq), 1, 30 + seq % 10), seq, '2024-01-01' + INTERVAL seq SECOND FROM bench.seq_1_to_${rows}`,
  );
  const pid = bench.worker.child.pid!;
  const before = memory(pid);
  let peakRss = before.rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, memory(pid).rss)), 100);
  const handle = await startMove(
    bench.client,
    { source: 'source', target: 'target', database: 'bench', tables: ['t'], verify: 'skip', reversible: false },
    BENCH_QUEUE,
  );
  const result = await handle.result();
  clearInterval(sampler);
  console.log(
    `shipped worker, move of ${result.rowsCopied} rows (${result.copyRowsPerSecond} rows/s): RSS ${(before.rss / MB).toFixed(0)} MB idle before, ${(peakRss / MB).toFixed(0)} MB peak during (VmHWM ${(memory(pid).peak / MB).toFixed(0)} MB since start)`,
  );
} finally {
  await bench.close();
}
