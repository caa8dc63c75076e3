import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stackCertificates, type StackCertificates } from './certificates.js';
import { STACK_USER, startMariadb, type MariadbServer } from './mariadb.js';
import { ensureMariadb, ensureTemporal } from './prereqs.js';
import { freePort, isOurProcess, portIsFree, ServerExitedError, stopProcess } from './processes.js';
import { NAMESPACE, prepareNamespace, startTemporal, type TemporalServer } from './temporal.js';

/** The two MariaDB servers every stack runs: distinct server ids and GTID domains. */
const SERVERS = [
  { name: 'source', serverId: 1, gtidDomainId: 1 },
  { name: 'target', serverId: 2, gtidDomainId: 2 },
] as const;

export type ClusterName = (typeof SERVERS)[number]['name'];

/** Where `npm run stack` and the demo put the local stack when these ports are free. */
export const LOCAL_STACK_PORTS = { source: 13306, target: 13307, temporal: 7233, temporalUi: 8233 } as const;

export interface StackPorts {
  source: number;
  target: number;
  temporal: number;
  /** Omitted: Temporal runs headless. */
  temporalUi?: number;
}

/** What runs where; saved as `state.json` in the stack dir. Holds no secret. */
export interface StackState {
  dir: string;
  /** Started to outlive its starter (`npm run stack`), or owned by a test run. */
  detached: boolean;
  /** Cluster configuration file (the worker's contract); mode 0600, holds the password. */
  clustersFile: string;
  servers: Record<ClusterName, MariadbServer>;
  temporal: TemporalServer;
  /** The servers require TLS (VERIFY_IDENTITY, client certificate); paths of the stack's PEM files. */
  tls?: StackCertificates;
}

export interface StackOptions {
  dir: string;
  /** Processes outlive this Node process (the long-lived local stack). */
  detached: boolean;
  /** Ports to use on first start; later starts reuse the saved ones. */
  ports: StackPorts;
  /** More `temporal server start-dev` flags (dynamic config, SQLite pragmas), for benchmarks of server settings. */
  temporalArgs?: string[];
  /** false: the dev server without the stack's latency settings (benchmarks' baseline). */
  temporalLowLatency?: boolean;
  /** The servers require TLS and a client certificate (a stack that started so stays so). */
  tls?: boolean;
}

const stateFile = (dir: string) => path.join(dir, 'state.json');

export function readStackState(dir: string): StackState | undefined {
  const file = stateFile(dir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StackState) : undefined;
}

/** Which parts of a saved stack still run (verified by pid and command line). */
export function stackLiveness(state: StackState): Record<ClusterName | 'temporal', boolean> {
  return {
    source: isOurProcess(state.servers.source.pid, state.servers.source.configFile),
    target: isOurProcess(state.servers.target.pid, state.servers.target.configFile),
    temporal: isOurProcess(state.temporal.pid, state.temporal.dbFile),
  };
}

function savedPorts(state: StackState | undefined, fallback: StackPorts): StackPorts {
  if (!state) return fallback;
  const uiPort = state.temporal.uiUrl ? Number(new URL(state.temporal.uiUrl).port) : undefined;
  return {
    source: state.servers.source.port,
    target: state.servers.target.port,
    temporal: Number(state.temporal.address.split(':')[1]),
    ...(uiPort === undefined ? {} : { temporalUi: uiPort }),
  };
}

function readOrCreatePassword(dir: string): string {
  const file = path.join(dir, 'password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(18).toString('base64url');
  writeFileSync(file, password, { mode: 0o600 });
  return password;
}

/**
 * Starts whatever part of the stack is not running (idempotent): source and target MariaDB,
 * the Temporal dev server, and the cluster configuration file for the worker.
 */
/** Start attempts when a server exits while starting (a port taken meanwhile, a crash at boot). */
const START_ATTEMPTS = 3;

/**
 * Starts what is not running yet. A server that exits while starting fails the attempt at once
 * with the head of its log; whatever the attempt started is stopped, and the next attempt runs on
 * fresh ports. Any other failure also stops what the attempt started, then fails.
 */
export async function upStack(options: StackOptions): Promise<StackState> {
  let ports = options.ports;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startStackOnce({ ...options, ports });
    } catch (err) {
      if (!(err instanceof ServerExitedError) || attempt >= START_ATTEMPTS) throw err;
      console.error(`stack start attempt ${attempt} failed, retrying on fresh ports: ${err.message}`);
      ports = await choosePorts(undefined, options.ports.temporalUi !== undefined);
    }
  }
}

async function startStackOnce(options: StackOptions): Promise<StackState> {
  mkdirSync(options.dir, { recursive: true });
  const previous = readStackState(options.dir);
  const alive = previous ? stackLiveness(previous) : undefined;
  const ports = savedPorts(previous, options.ports);
  const password = readOrCreatePassword(options.dir);
  if (options.tls && previous && !previous.tls && Object.values(alive ?? {}).some(Boolean))
    throw new Error(`the stack in ${options.dir} runs without TLS; stop it first (npm run stack -- down)`);
  const tls = options.tls || previous?.tls ? stackCertificates(path.join(options.dir, 'tls')) : undefined;
  const mariadb = ensureMariadb();
  const temporalBinary = ensureTemporal();

  /** Stops what this attempt started, when the attempt fails. */
  const started: Array<() => Promise<void>> = [];
  try {
    const servers = {} as Record<ClusterName, MariadbServer>;
    const starts = await Promise.allSettled(
      SERVERS.map(async (spec) => {
        if (previous && alive?.[spec.name]) {
          servers[spec.name] = previous.servers[spec.name];
          return;
        }
        const server = await startMariadb(
          mariadb,
          { ...spec, dir: path.join(options.dir, spec.name), port: ports[spec.name], ...(tls ? { tls } : {}) },
          password,
          options.detached,
        );
        started.push(() => stopProcess(server.pid, server.configFile));
        servers[spec.name] = server;
      }),
    );
    const failed = starts.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    let temporal: TemporalServer;
    if (previous && alive?.temporal) {
      temporal = previous.temporal;
    } else {
      temporal = await startTemporal(
        temporalBinary,
        {
          dir: path.join(options.dir, 'temporal'),
          port: ports.temporal,
          ...(ports.temporalUi === undefined ? {} : { uiPort: ports.temporalUi }),
          ...(options.temporalArgs ? { extraArgs: options.temporalArgs } : {}),
          ...(options.temporalLowLatency === false ? { lowLatency: false } : {}),
        },
        options.detached,
      );
      started.push(() => stopProcess(temporal.pid, temporal.dbFile));
    }
    await prepareNamespace(temporal.address);
    return writeState(options, servers, temporal, password, tls);
  } catch (err) {
    await Promise.all(started.map((stop) => stop()));
    throw err;
  }
}

function writeState(
  options: StackOptions,
  servers: Record<ClusterName, MariadbServer>,
  temporal: TemporalServer,
  password: string,
  tls: StackCertificates | undefined,
): StackState {
  const clustersFile = path.join(options.dir, 'clusters.json');
  const security = tls
    ? { 'ssl-mode': 'VERIFY_IDENTITY', 'ssl-ca': tls.ca, 'ssl-cert': tls.clientCert, 'ssl-key': tls.clientKey }
    : { 'ssl-mode': 'DISABLED' };
  const clusters = Object.fromEntries(
    SERVERS.map(({ name }) => [
      name,
      { host: '127.0.0.1', port: servers[name].port, user: STACK_USER, password, ...security },
    ]),
  );
  writeFileSync(clustersFile, `${JSON.stringify({ clusters }, null, 2)}\n`, { mode: 0o600 });

  const state: StackState = {
    dir: options.dir,
    detached: options.detached,
    clustersFile,
    servers,
    temporal,
    ...(tls ? { tls } : {}),
  };
  writeFileSync(stateFile(options.dir), `${JSON.stringify(state, null, 2)}\n`);
  return state;
}

/**
 * Stops one part and starts it again on the same port and data (fault tests; `stack restart`).
 * Clients see what they would see when a production server restarts.
 */
export async function restartStackPart(dir: string, part: ClusterName | 'temporal'): Promise<StackState> {
  const state = readStackState(dir);
  if (!state) throw new Error(`no stack in ${dir}`);
  if (part === 'temporal') {
    await stopProcess(state.temporal.pid, state.temporal.dbFile);
    const uiPort = state.temporal.uiUrl ? Number(new URL(state.temporal.uiUrl).port) : undefined;
    state.temporal = await startTemporal(
      ensureTemporal(),
      {
        dir: state.temporal.dir,
        port: Number(state.temporal.address.split(':')[1]),
        ...(uiPort === undefined ? {} : { uiPort }),
      },
      state.detached,
    );
  } else {
    const server = state.servers[part];
    await stopProcess(server.pid, server.configFile);
    const spec = SERVERS.find((s) => s.name === part)!;
    state.servers[part] = await startMariadb(
      ensureMariadb(),
      { ...spec, dir: server.dir, port: server.port, ...(state.tls ? { tls: state.tls } : {}) },
      readOrCreatePassword(dir),
      state.detached,
    );
  }
  writeFileSync(stateFile(dir), `${JSON.stringify(state, null, 2)}\n`);
  return state;
}

/** Stops only the processes this stack started (by pid, checked against their command line). */
export async function downStack(dir: string, { removeData = false } = {}): Promise<void> {
  const state = readStackState(dir);
  if (state) {
    await Promise.all([
      stopProcess(state.servers.source.pid, state.servers.source.configFile),
      stopProcess(state.servers.target.pid, state.servers.target.configFile),
      stopProcess(state.temporal.pid, state.temporal.dbFile),
    ]);
  }
  if (removeData) rmSync(dir, { recursive: true, force: true });
}

/** Ports for a new stack: the preferred ones when free, otherwise any free ones. */
export async function choosePorts(preferred?: Partial<StackPorts>, withUi = false): Promise<StackPorts> {
  const pick = async (port: number | undefined) => (port !== undefined && (await portIsFree(port)) ? port : freePort());
  return {
    source: await pick(preferred?.source),
    target: await pick(preferred?.target),
    temporal: await pick(preferred?.temporal),
    ...(withUi ? { temporalUi: await pick(preferred?.temporalUi) } : {}),
  };
}

/** Environment a worker, demo or test process needs to use this stack. */
export function stackEnv(state: StackState): Record<string, string> {
  return {
    MOVE_TABLES_CLUSTERS_FILE: state.clustersFile,
    TEMPORAL_ADDRESS: state.temporal.address,
    TEMPORAL_NAMESPACE: NAMESPACE,
  };
}
