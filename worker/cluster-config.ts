// The worker's cluster configuration. Workflows only ever carry a cluster's *name*; these
// settings (and the password in particular) stay inside the worker process.
import { readFileSync } from 'node:fs';
import type { ClusterConfig, ClusterSettings } from '../activities/clusters.js';
import { CLUSTER_NAME_PATTERN } from '../contract/clusters.js';

/**
 * Why a configuration file could not be read. A JSON parser's message quotes the text around the
 * error, which in a clusters file can be a password: only "not valid JSON" is said.
 */
export function readProblem(err: unknown): string {
  if (err instanceof SyntaxError) return 'it is not valid JSON';
  return (err as Error).message;
}

/** The worker's configuration is unreadable or malformed; the message never echoes a password. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

interface ClusterFileEntry {
  host?: unknown;
  port?: unknown;
  user?: unknown;
  password?: unknown;
  passwordEnv?: unknown;
}

function settingsFromFileEntry(
  name: string,
  entry: ClusterFileEntry,
  env: NodeJS.ProcessEnv,
  file: string,
): ClusterSettings {
  const where = `cluster "${name}" in ${file}`;
  if (typeof entry.host !== 'string' || !entry.host)
    throw new ConfigError(`${where}: "host" must be a non-empty string`);
  const port = entry.port ?? 3306;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new ConfigError(`${where}: "port" must be an integer 1-65535`);
  if (typeof entry.user !== 'string' || !entry.user)
    throw new ConfigError(`${where}: "user" must be a non-empty string`);
  let password: string | undefined;
  if (typeof entry.passwordEnv === 'string') {
    password = env[entry.passwordEnv];
    if (password === undefined)
      throw new ConfigError(`${where}: environment variable ${entry.passwordEnv} (passwordEnv) is not set`);
  } else if (typeof entry.password === 'string') {
    password = entry.password;
  } else if (entry.password !== undefined) {
    throw new ConfigError(`${where}: "password" must be a string`);
  }
  return { host: entry.host, port, user: entry.user, ...(password === undefined ? {} : { password }) };
}

function settingsFromUrl(variable: string, value: string): ClusterSettings {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${variable} is not a URL of the form mysql://user:password@host:port`);
  }
  if (url.protocol !== 'mysql:' || !url.hostname || !url.username) {
    throw new ConfigError(`${variable} must look like mysql://user:password@host:port`);
  }
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username),
    ...(password === undefined ? {} : { password }),
  };
}

const ENV_PREFIX = 'MOVE_TABLES_CLUSTER_';

/**
 * Reads the worker's cluster configuration:
 * 1. `MOVE_TABLES_CLUSTERS_FILE`: JSON `{"clusters": {"<name>": {"host", "port", "user",
 *    "password" | "passwordEnv"}}}`;
 * 2. `MOVE_TABLES_CLUSTER_<NAME>=mysql://user:password@host:port` (overrides the file;
 *    `<NAME>` upper-cased, `-` written as `_`).
 */
export function loadClusterConfig(env: NodeJS.ProcessEnv = process.env): ClusterConfig {
  const clusters = new Map<string, ClusterSettings>();
  const file = env.MOVE_TABLES_CLUSTERS_FILE;
  if (file) {
    let parsed: { clusters?: Record<string, ClusterFileEntry> };
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8')) as typeof parsed;
    } catch (err) {
      throw new ConfigError(`cannot read cluster file ${file}: ${readProblem(err)}`);
    }
    if (typeof parsed.clusters !== 'object' || parsed.clusters === null) {
      throw new ConfigError(`${file} must hold {"clusters": {"<name>": {...}}}`);
    }
    for (const [name, entry] of Object.entries(parsed.clusters)) {
      if (!CLUSTER_NAME_PATTERN.test(name))
        throw new ConfigError(`${file}: invalid cluster name "${name}" (use ${CLUSTER_NAME_PATTERN})`);
      clusters.set(name, settingsFromFileEntry(name, entry, env, file));
    }
  }
  for (const [variable, value] of Object.entries(env)) {
    if (!variable.startsWith(ENV_PREFIX) || !value) continue;
    const name = variable.slice(ENV_PREFIX.length).toLowerCase().replaceAll('_', '-');
    if (!CLUSTER_NAME_PATTERN.test(name)) throw new ConfigError(`${variable}: invalid cluster name "${name}"`);
    clusters.set(name, settingsFromUrl(variable, value));
  }
  return clusters;
}
