// Stream apply rate and lag: `npm run bench:stream [seconds=15] [rates=5000,20000,max] [--table=narrow|wide]`.
// On a private stack, a stream applies a write load of multi-row inserts and updates (100 rows per
// statement, 6 connections) paced at each rate in row events/s (`max`: unpaced); every 100 ms a
// probe reads the source position and times how long the target takes to cover it. Prints per
// rate the events written and applied per second and the lag. Tables: `narrow` (id, v, n) and
// `wide` (dev/bench-tables.ts: 15 mixed-type columns, a secondary index). Figures only.
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { currentGtidPosition } from '../activities/source/server.js';
import { positionCovers } from '../activities/stream/gtid.js';
import { readStreamState } from '../activities/target/stream-state.js';
import { streamTables } from '../workflows/stream-tables.js';
import { BENCH_QUEUE, median, percentile, startBenchStack } from '../dev/bench-stack.js';
import { benchTableDdl, WIDE_ROW_COLUMNS, wideBenchRow } from '../dev/bench-tables.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const seconds = Number(args[0] ?? 15);
const rates = (args[1] ?? '5000,20000,max').split(',');
const wide = process.argv.includes('--table=wide');
const TABLE = wide
  ? {
      ddl: benchTableDdl('wide', 'sbench.t'),
      insert: `INSERT INTO sbench.t ${WIDE_ROW_COLUMNS} VALUES ?`,
      row: wideBenchRow,
      update: `UPDATE sbench.t SET priority = (priority + 1) % 128, note = CONCAT(COALESCE(note, ''), '+') WHERE id BETWEEN ? AND ?`,
    }
  : {
      ddl: 'CREATE TABLE sbench.t (id BIGINT PRIMARY KEY, v VARCHAR(64), n INT)',
      insert: 'INSERT INTO sbench.t (id, v, n) VALUES ?',
      row: (id: number) => [id, `v-${id}`, id % BATCH],
      update: 'UPDATE sbench.t SET n = n + 1, v = CONCAT(v, "+") WHERE id BETWEEN ? AND ?',
    };
const connections = 6;
const BATCH = 100;
/** Lag probes this often: enough of them for a p99 over a phase. */
const PROBE_MS = 100;
const bench = await startBenchStack();
const { clusters, client } = bench;

async function lagOnce(): Promise<number> {
  const position = await currentGtidPosition(clusters.pool('source'));
  const started = Date.now();
  for (;;) {
    const state = await readStreamState(clusters.pool('target'), 'source/sbench/t');
    if (state && positionCovers(state.appliedPosition, position)) return Date.now() - started;
    await sleep(5);
  }
}

async function phase(rate: string, round: number): Promise<void> {
  const perSecond = rate === 'max' ? Infinity : Number(rate);
  const interval = (1_000 * connections * 2 * BATCH) / perSecond;
  let events = 0;
  let stop = false;
  const writers = Array.from({ length: connections }, async (_, w) => {
    const conn = await mysql.createConnection(clusters.connectionOptions('source'));
    let id = round * 1e12 + w * 1e9;
    let next = Date.now();
    while (!stop) {
      const first = id;
      const values = Array.from({ length: BATCH }, (_, i) => TABLE.row(first + i));
      await conn.query(TABLE.insert, [values]);
      await conn.query(TABLE.update, [first, first + BATCH - 1]);
      events += 2 * BATCH;
      id += BATCH;
      if (Number.isFinite(interval)) {
        next += interval;
        const wait = next - Date.now();
        if (wait > 0) await sleep(wait);
      }
    }
    await conn.end();
  });
  const lags: number[] = [];
  const cpuBefore = bench.worker.cpuSeconds();
  const loadStarted = Date.now();
  const prober = (async () => {
    while (!stop) {
      lags.push(await lagOnce());
      await sleep(PROBE_MS);
    }
  })();
  await sleep(seconds * 1_000);
  stop = true;
  await Promise.all(writers);
  const written = (Date.now() - loadStarted) / 1_000;
  await prober;
  await lagOnce();
  const applied = (Date.now() - loadStarted) / 1_000;
  console.log(
    `rate ${rate}: written ${Math.round(events / written)} events/s (${events} in ${written.toFixed(1)} s); applied ${Math.round(events / applied)} events/s (caught up ${(applied - written).toFixed(2)} s after the load stopped); lag over ${lags.length} probes: median ${median(lags)} ms, p95 ${percentile(lags, 95)} ms, p99 ${percentile(lags, 99)} ms, max ${Math.max(...lags)} ms; worker CPU ${(((bench.worker.cpuSeconds() - cpuBefore) / applied) * 100).toFixed(0)}%`,
  );
}

try {
  for (const side of ['source', 'target'] as const) {
    await clusters.pool(side).query('CREATE DATABASE sbench');
    await clusters.pool(side).query(TABLE.ddl);
  }
  const start = await currentGtidPosition(clusters.pool('source'));
  const stream = await client.workflow.start(streamTables, {
    taskQueue: BENCH_QUEUE,
    workflowId: `bench-stream-${Date.now()}`,
    args: [{ source: 'source', target: 'target', database: 'sbench', tables: ['t'], startPosition: start }],
  });
  await sleep(1_000);
  for (const [round, rate] of rates.entries()) await phase(rate, round);
  await stream.cancel();
} finally {
  await bench.close();
}
