// Huge transactions through the stream: `npm run bench:huge-transaction [rows=200000]`. On a
// private stack, a stream follows a table of `rows` wide rows; one UPDATE of every row, then one
// INSERT…SELECT of as many, each a single source transaction. Prints the worker's peak RSS during
// each, the lag the stream reports (its heartbeat) beside the lag a probe measures, and how long
// the target took to apply it. Figures only: the bound is asserted in test/integration.
import { setTimeout as sleep } from 'node:timers/promises';
import { currentGtidPosition } from '../activities/source/server.js';
import { positionCovers } from '../activities/stream/gtid.js';
import { readStreamState } from '../activities/target/stream-state.js';
import { streamTables } from '../workflows/stream-tables.js';
import { BENCH_QUEUE, startBenchStack } from '../dev/bench-stack.js';

const rows = Number(process.argv[2] ?? 200_000);
const bench = await startBenchStack();
const { clusters, client } = bench;
const streamId = 'source/hbench/t';
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

async function reportedLag(handle: { describe(): Promise<unknown> }): Promise<number | undefined> {
  const description = (await handle.describe()) as {
    raw: { pendingActivities?: Array<{ heartbeatDetails?: { payloads?: Array<{ data?: Uint8Array }> } }> };
  };
  const payload = description.raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0]?.data;
  if (!payload) return undefined;
  return (JSON.parse(Buffer.from(payload).toString()) as { lagMs?: number }).lagMs;
}

async function transaction(label: string, sql: string, handle: { describe(): Promise<unknown> }): Promise<void> {
  bench.worker.resetPeakRss();
  const before = bench.worker.peakRss();
  const started = Date.now();
  await clusters.pool('source').query(sql);
  const committed = Date.now();
  const position = await currentGtidPosition(clusters.pool('source'));
  let maxReported = 0;
  for (;;) {
    const state = await readStreamState(clusters.pool('target'), streamId);
    if (state && positionCovers(state.appliedPosition, position)) break;
    maxReported = Math.max(maxReported, (await reportedLag(handle).catch(() => 0)) ?? 0);
    await sleep(200);
  }
  const applied = Date.now();
  console.log(
    `${label}: ${rows} rows, ran ${((committed - started) / 1000).toFixed(1)} s on the source, applied ${((applied - committed) / 1000).toFixed(1)} s after its commit; worker peak RSS ${mb(bench.worker.peakRss())} (${mb(before)} before it); highest lag the stream reported meanwhile ${(maxReported / 1000).toFixed(1)} s`,
  );
}

try {
  for (const side of ['source', 'target'] as const) {
    const pool = clusters.pool(side);
    await pool.query('CREATE DATABASE hbench');
    await pool.query(
      `CREATE TABLE hbench.t (id BIGINT PRIMARY KEY, name VARCHAR(100) CHARACTER SET utf8mb4, amount DECIMAL(12,2), doc JSON, body BLOB, at DATETIME(6), n INT, KEY (name))`,
    );
    await pool.query(
      `INSERT INTO hbench.t SELECT seq, CONCAT('name-', seq), seq / 100, JSON_OBJECT('k', seq, 's', REPEAT('x', 40)), REPEAT('b', 60), NOW(6), seq FROM hbench.seq_1_to_${rows}`,
    );
  }
  const start = await currentGtidPosition(clusters.pool('source'));
  const handle = await client.workflow.start(streamTables, {
    taskQueue: BENCH_QUEUE,
    workflowId: `bench-huge-${Date.now()}`,
    args: [{ source: 'source', target: 'target', database: 'hbench', tables: ['t'], startPosition: start }],
  });
  await sleep(2_000);
  console.log(`worker RSS before: ${mb(bench.worker.peakRss())}`);
  await transaction('UPDATE', 'UPDATE hbench.t SET n = n + 1, name = CONCAT(name, "+")', handle);
  await transaction(
    'INSERT…SELECT',
    `INSERT INTO hbench.t SELECT id + ${rows}, name, amount, doc, body, at, n FROM hbench.t WHERE id <= ${rows}`,
    handle,
  );
  await handle.cancel();
} finally {
  await bench.close();
}
