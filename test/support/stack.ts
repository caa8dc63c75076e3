// Helpers for integration tests: the run's stack (from global setup), SQL access to the
// two clusters, Temporal clients and workers (in-process or as a real child process).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import mysql from 'mysql2/promise';
import { inject } from 'vitest';
import { Clusters } from '../../activities/connections.js';
import { repoRoot } from '../../stack/paths.js';
import { stackEnv } from '../../stack/stack.js';
import { loadClusterConfig } from '../../worker/cluster-config.js';
import { loadWorkerConfig, type WorkerConfig } from '../../worker/config.js';
import { createMoveTablesWorker } from '../../worker/create-worker.js';

export const stack = () => inject('stack');

/** Environment for a worker (or anything else) talking to this run's stack. */
export function testEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { ...stackEnv(stack()), MOVE_TABLES_WORKFLOW_BUNDLE: inject('workflowBundlePath'), ...extra };
}

export function testClusters(): Clusters {
  return new Clusters(loadClusterConfig(testEnv()));
}

/** A mysql2 connection to `source` or `target`, as the test's own client. */
export async function sql(cluster: 'source' | 'target'): Promise<mysql.Connection> {
  return testClusters().connect(cluster);
}

export async function temporalClient(): Promise<Client> {
  const connection = await Connection.connect({ address: stack().temporal.address });
  return new Client({ connection, namespace: stack().temporal.namespace });
}

/** A unique, valid identifier for a test's own database or table. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/** A worker inside the test process; `stop()` shuts it down gracefully. */
export async function startWorker(overrides: Partial<WorkerConfig> = {}, env: Record<string, string> = {}) {
  const { worker, close } = await createMoveTablesWorker({ ...loadWorkerConfig(testEnv(env)), ...overrides });
  const running = worker.run();
  return {
    taskQueue: worker.options.taskQueue,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await close();
    },
  };
}

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  /** SIGKILL: no graceful shutdown, as when a machine dies. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** The real worker entry point (`worker/main.ts`) as a child process. */
export async function spawnWorkerProcess(env: Record<string, string> = {}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'worker/main.ts')], {
    cwd: repoRoot,
    env: { ...process.env, ...testEnv(env) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker process did not start:\n${output}`)), 60_000);
    const check = () => {
      if (output.includes('worker started')) { clearTimeout(timer); resolve(); }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`worker process exited (${code}):\n${output}`)); });
  });
  return {
    child,
    output: () => output,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
