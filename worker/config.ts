import { readFileSync } from 'node:fs';
import type { ClusterConfig } from '../activities/clusters.js';
import { loadTemporalSettings, TemporalConfigError, type TemporalSettings } from '../client/temporal-config.js';
import { TASK_QUEUE } from '../contract/move.js';
import { ConfigError, loadClusterConfig, readProblem } from './cluster-config.js';

export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface WorkerConfig {
  /** Address, namespace, TLS and API key, as the SDK's environment configuration gives them. */
  temporal: TemporalSettings;
  taskQueue: string;
  clusters: ClusterConfig;
  /** Directory holding gh-ost-compatible hook executables; undefined: no hooks. */
  hooksDir?: string;
  /** Worker environment variables hooks inherit beyond the basic set (PATH, HOME, LANG…). */
  hooksEnv: string[];
  /** Prebuilt workflow bundle; undefined: bundle at start. */
  workflowBundlePath?: string;
  /** Serve Prometheus metrics on this port (all interfaces); undefined: off. */
  metricsPort?: number;
  logLevel: LogLevel;
}

/** Keys of the optional JSON config file (MOVE_TABLES_CONFIG) and the variables that override them. */
const FILE_KEYS = {
  temporalAddress: 'TEMPORAL_ADDRESS',
  namespace: 'TEMPORAL_NAMESPACE',
  taskQueue: 'MOVE_TABLES_TASK_QUEUE',
  clustersFile: 'MOVE_TABLES_CLUSTERS_FILE',
  hooksDir: 'MOVE_TABLES_HOOKS_DIR',
  hooksEnv: 'MOVE_TABLES_HOOKS_ENV',
  workflowBundle: 'MOVE_TABLES_WORKFLOW_BUNDLE',
  metricsPort: 'MOVE_TABLES_METRICS_PORT',
  logLevel: 'MOVE_TABLES_LOG_LEVEL',
} as const;

/** The config file's values as environment variables, then the real environment on top. */
function mergedEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const file = env.MOVE_TABLES_CONFIG;
  if (!file) return env;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`cannot read worker config ${file}: ${readProblem(err)}`);
  }
  const fromFile: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    const variable = FILE_KEYS[key as keyof typeof FILE_KEYS];
    if (!variable) throw new ConfigError(`${file}: unknown key "${key}" (known: ${Object.keys(FILE_KEYS).join(', ')})`);
    fromFile[variable] = String(value);
  }
  return { ...fromFile, ...env };
}

/** Worker settings from MOVE_TABLES_CONFIG (a JSON file) and the environment, which wins (README, "Configuration"). */
export function loadWorkerConfig(rawEnv: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const env = mergedEnvironment(rawEnv);
  const logLevel = (env.MOVE_TABLES_LOG_LEVEL ?? 'INFO').toUpperCase();
  if (!['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'].includes(logLevel))
    throw new ConfigError(`MOVE_TABLES_LOG_LEVEL must be TRACE, DEBUG, INFO, WARN or ERROR, got ${logLevel}`);
  const metricsPort = env.MOVE_TABLES_METRICS_PORT ? Number(env.MOVE_TABLES_METRICS_PORT) : undefined;
  if (metricsPort !== undefined && (!Number.isInteger(metricsPort) || metricsPort < 1 || metricsPort > 65535))
    throw new ConfigError('MOVE_TABLES_METRICS_PORT must be a port number');
  let temporal: TemporalSettings;
  try {
    temporal = loadTemporalSettings(env);
  } catch (err) {
    throw err instanceof TemporalConfigError ? new ConfigError(err.message) : err;
  }
  return {
    temporal,
    taskQueue: env.MOVE_TABLES_TASK_QUEUE ?? TASK_QUEUE,
    clusters: loadClusterConfig(env),
    hooksEnv: (env.MOVE_TABLES_HOOKS_ENV ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
    logLevel: logLevel as LogLevel,
    ...(env.MOVE_TABLES_HOOKS_DIR ? { hooksDir: env.MOVE_TABLES_HOOKS_DIR } : {}),
    ...(env.MOVE_TABLES_WORKFLOW_BUNDLE ? { workflowBundlePath: env.MOVE_TABLES_WORKFLOW_BUNDLE } : {}),
    ...(metricsPort === undefined ? {} : { metricsPort }),
  };
}
