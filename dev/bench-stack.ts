// A private stack for a benchmark run (temporary dir, free ports) with an in-process worker.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type mysql from 'mysql2/promise';
import { Clusters } from '../activities/clusters.js';
import { choosePorts, downStack, stackEnv, upStack, type StackState } from './stack/stack.js';
import { loadClusterConfig } from '../worker/cluster-config.js';
import { streamTables } from '../workflows/stream-tables.js';
import { repoRoot } from './stack/paths.js';
import { processCpuSeconds, SHIPPED_WORKER, spawnWorkerProcess, type WorkerProcess } from './worker-process.js';

export const BENCH_QUEUE = 'bench';

export interface BenchStack {
  state: StackState;
  clusters: Clusters;
  client: Client;
  /** The shipped worker (compiled, prebuilt bundle), a separate process as in production. */
  worker: WorkerProcess;
  close(): Promise<void>;
}

export interface BenchStackOptions {
  /** More worker environment (hooks directory, ...). */
  workerEnv?: Record<string, string>;
  temporalArgs?: string[];
  temporalLowLatency?: boolean;
}

export async function startBenchStack(options: BenchStackOptions = {}): Promise<BenchStack> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'move-tables-bench-'));
  const state = await upStack({
    dir,
    detached: false,
    ports: await choosePorts(),
    ...(options.temporalArgs ? { temporalArgs: options.temporalArgs } : {}),
    ...(options.temporalLowLatency === false ? { temporalLowLatency: false } : {}),
  });
  // BENCH_WORKER_NODE_OPTIONS: node flags for the worker only (memory experiments).
  const nodeOptions = process.env.BENCH_WORKER_NODE_OPTIONS;
  const env = {
    ...stackEnv(state),
    MOVE_TABLES_TASK_QUEUE: BENCH_QUEUE,
    ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
    ...options.workerEnv,
  };
  const clusters = new Clusters(loadClusterConfig({ ...process.env, ...env }));
  let worker: WorkerProcess | undefined;
  let client: Client;
  try {
    buildShippedWorker();
    worker = await spawnWorkerProcess(env, SHIPPED_WORKER);
    client = new Client({ connection: await Connection.connect({ address: state.temporal.address }) });
  } catch (err) {
    // A worker that cannot start (a bad node flag, a failed build) leaves no servers behind.
    await worker?.stop();
    await clusters.close();
    await downStack(dir, { removeData: true });
    throw err;
  }
  return {
    state,
    clusters,
    client,
    worker,
    async close() {
      await worker.stop();
      await clusters.close();
      await client.connection.close();
      await downStack(dir, { removeData: true });
    },
  };
}

/** `dist/` up to date with the sources (what `bin/move-tables-worker` does before it starts). */
export function buildShippedWorker(): void {
  execFileSync('bash', ['-c', 'source scripts/lib/ensure-build.sh'], { cwd: repoRoot, stdio: 'inherit' });
}

/** CPU seconds both servers of the stack have used so far. */
export function serversCpuSeconds(bench: BenchStack): { source: number; target: number } {
  return {
    source: processCpuSeconds(bench.state.servers.source.pid),
    target: processCpuSeconds(bench.state.servers.target.pid),
  };
}

const SETTLE_LIMIT_MS = 60_000;

/**
 * Waits until the server has written its dirty pages (the last copy's, or the dropped tables'), so
 * no run pays for the flushing of the one before it: without this the same run's target CPU varied
 * by a third.
 */
export async function settle(pool: mysql.Pool): Promise<void> {
  const [[setting]] = await pool.query<mysql.RowDataPacket[]>('SELECT @@GLOBAL.innodb_max_dirty_pages_pct AS pct');
  await pool.query('SET GLOBAL innodb_max_dirty_pages_pct = 0');
  try {
    const until = Date.now() + SETTLE_LIMIT_MS;
    while (Date.now() < until) {
      const [[dirty]] = await pool.query<mysql.RowDataPacket[]>(
        "SELECT VARIABLE_VALUE AS pages FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'INNODB_BUFFER_POOL_PAGES_DIRTY'",
      );
      if (Number(dirty!.pages) <= 100) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    console.log(`  (dirty pages still being written after ${SETTLE_LIMIT_MS / 1_000} s; going on)`);
  } finally {
    await pool.query('SET GLOBAL innodb_max_dirty_pages_pct = ?', [setting!.pct]);
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The nearest-rank `p`th percentile (p99 of 20 values is the largest). */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * One cutover benchmark run's table: `rows` rows on source and target alike (the copy is not what
 * is measured) and its stream running from the source's current position.
 */
export async function streamedTable(bench: BenchStack, database: string, rows: number) {
  const source = await bench.clusters.connect('source');
  const target = await bench.clusters.connect('target');
  for (const conn of [source, target]) await routedTable(conn, database, rows);
  const [pos] = await source.query<mysql.RowDataPacket[]>('SELECT @@global.gtid_binlog_pos AS pos');
  const tables = { source: 'source', target: 'target', database, tables: ['t'] };
  const stream = await bench.client.workflow.start(streamTables, {
    taskQueue: BENCH_QUEUE,
    workflowId: `${database}-stream-${Date.now()}`,
    args: [{ ...tables, startPosition: String(pos[0]!.pos) }],
  });
  return {
    tables,
    stream,
    async close() {
      await source.end();
      await target.end();
    },
  };
}

/** `<database>.t` with `rows` rows, in the shape dev/routed-load.ts writes to. */
export async function routedTable(conn: mysql.Connection, database: string, rows: number): Promise<void> {
  await conn.query(`CREATE DATABASE ${database}`);
  await conn.query(`CREATE TABLE ${database}.t (id BIGINT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64), n INT)`);
  await conn.query(
    `INSERT INTO ${database}.t (id, v, n) SELECT seq, CONCAT('row-', seq), seq FROM ${database}.seq_1_to_${rows}`,
  );
}
