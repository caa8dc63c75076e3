import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { registerSearchAttributes } from '../../worker/search-attributes.js';
import { logOffset, readHead, readTail, startProcess, stopProcess, waitFor } from './processes.js';

export const NAMESPACE = 'default';

/**
 * Each cutover step costs a Temporal round trip, most of it history writes (docs/benchmarks.md):
 * the next activity comes back with the workflow task's completion (eager dispatch), and SQLite
 * writes through a WAL synced at checkpoints (durable across a killed server, not a lost machine).
 */
const LOW_LATENCY_ARGS = [
  '--dynamic-config-value',
  'system.enableActivityEagerExecution=true',
  '--sqlite-pragma',
  'journal_mode=wal',
  '--sqlite-pragma',
  'synchronous=normal',
];

export interface TemporalSpec {
  dir: string;
  port: number;
  /** Web UI port; undefined runs headless (test runs). */
  uiPort?: number;
  /** Eager dispatch and WAL persistence (default); false runs the dev server as it comes. */
  lowLatency?: boolean;
  extraArgs?: string[];
}

export interface TemporalServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  pid: number;
  dir: string;
  dbFile: string;
  log: string;
}

/** Starts `temporal server start-dev` with SQLite persistence; resolves when the namespace answers. */
export async function startTemporal(binary: string, spec: TemporalSpec, detached: boolean): Promise<TemporalServer> {
  mkdirSync(spec.dir, { recursive: true });
  const dbFile = path.join(spec.dir, 'temporal.sqlite');
  const log = path.join(spec.dir, 'temporal.log');
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(spec.port),
    '--db-filename',
    dbFile,
    '--namespace',
    NAMESPACE,
    '--log-level',
    'warn',
    ...(spec.uiPort === undefined ? ['--headless'] : ['--ui-port', String(spec.uiPort)]),
    ...(spec.lowLatency === false ? [] : LOW_LATENCY_ARGS),
    ...(spec.extraArgs ?? []),
  ];
  const offset = logOffset(log);
  const started = startProcess(binary, args, log, detached);
  const { pid } = started;
  const address = `127.0.0.1:${spec.port}`;
  await waitFor(
    `Temporal dev server on ${address}`,
    () => temporalAnswers(address),
    90_000,
    () => `temporal log tail:\n${readTail(log)}`,
    { exited: started.exited, onExit: () => `temporal log (${log}):\n${readHead(log, offset)}` },
  ).catch(async (err: unknown) => {
    // A server that did not come up in time is not left running.
    await stopProcess(pid, dbFile);
    throw err;
  });
  return {
    address,
    namespace: NAMESPACE,
    uiUrl: spec.uiPort === undefined ? undefined : `http://127.0.0.1:${spec.uiPort}`,
    pid,
    dir: spec.dir,
    dbFile,
    log,
  };
}

/** True when the frontend answers and the namespace is registered. */
export async function temporalAnswers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1_000 });
  try {
    await connection.workflowService.describeNamespace({ namespace: NAMESPACE });
    return true;
  } finally {
    await connection.close();
  }
}

/** Registers the workflows' search attributes on the (new or already running) dev server. */
export async function prepareNamespace(address: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await registerSearchAttributes(connection.operatorService, NAMESPACE);
  } finally {
    await connection.close();
  }
}
