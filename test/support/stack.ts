// Helpers for integration tests: the run's stack (from global setup), SQL access to the
// two clusters, Temporal clients and workers (in-process or as a real child process).
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import mysql from 'mysql2/promise';
import { inject } from 'vitest';
import type { Defer } from './cleanups.js';
import { Clusters } from '../../activities/clusters.js';
import { stackEnv } from '../../dev/stack/stack.js';
import { loadClusterConfig } from '../../worker/cluster-config.js';
import { loadWorkerConfig, type WorkerConfig } from '../../worker/config.js';
import { createMoveTablesWorker } from '../../worker/create-worker.js';
import { startWriteLoad } from '../../dev/write-load.js';
import { spawnWorkerProcess as spawnWorker, type WorkerProcess } from '../../dev/worker-process.js';

export type { WorkerProcess };

export const stack = () => inject('stack');

/** Environment for a worker (or anything else) talking to this run's stack. */
export function testEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { ...stackEnv(stack()), MOVE_TABLES_WORKFLOW_BUNDLE: inject('workflowBundlePath'), ...extra };
}

export function testClusters(): Clusters {
  return new Clusters(loadClusterConfig(testEnv()));
}

/**
 * A `MOVE_TABLES_CLUSTER_<NAME>` URL for `user` on the run's `source` server (or another port),
 * with the stack's TLS settings: VERIFY_IDENTITY and the stack's client certificate.
 */
export function stackClusterUrl(user: string, password: string, port = stack().servers.source.port): string {
  const { tls } = testClusters().settings('source');
  const options = tls
    ? `?ssl-mode=${tls.mode}&ssl-ca=${tls.ca}${tls.cert ? `&ssl-cert=${tls.cert}&ssl-key=${tls.key}` : ''}`
    : '';
  return `mysql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}${options}`;
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

/** The real worker entry point as a child process, on this run's stack. */
export async function spawnWorkerProcess(env: Record<string, string> = {}, entry?: string): Promise<WorkerProcess> {
  return spawnWorker(testEnv(env), entry);
}

/** An in-process worker on a task queue of its own, stopped by `defer` after the test; returns the queue. */
export async function ownedWorker(defer: Defer): Promise<string> {
  const taskQueue = uniqueName('q');
  const worker = await startWorker({ taskQueue });
  defer(() => worker.stop());
  return taskQueue;
}

/** A worker process stopped by `defer` after the test (if a test has not killed it already). */
export async function ownedWorkerProcess(
  defer: Defer,
  env: Record<string, string>,
  entry?: string,
): Promise<WorkerProcess> {
  const worker = await spawnWorkerProcess(env, entry);
  defer(() => worker.stop().catch(() => undefined));
  return worker;
}

/** An application-like write load on `database`.t on the source (inserts, updates, deletes; key changes by default). */
export function sourceWriteLoad(database: string, ratePerSecond: number, primaryKeyChanges = 0.05) {
  return startWriteLoad({
    connection: testClusters().connectionOptions('source'),
    database,
    table: 't',
    ratePerSecond,
    primaryKeyChanges,
  });
}
