// The worker's cluster configuration. Workflows only ever carry a cluster's *name*; these
// settings (and the password in particular) stay inside the worker process.
import { accessSync, constants, readFileSync } from 'node:fs';
import { SSL_MODES, type ClusterTls, type SslMode } from '../activities/cluster-tls.js';
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

/** A cluster's keys in the clusters file; TLS keys spelled as MySQL's clients spell the options. */
const TLS_KEYS = ['ssl-mode', 'ssl-ca', 'ssl-cert', 'ssl-key'] as const;
const FILE_KEYS = ['host', 'port', 'user', 'password', 'passwordEnv', 'passwordFile', ...TLS_KEYS] as const;
type ClusterFileEntry = Partial<Record<(typeof FILE_KEYS)[number], unknown>>;

/** A file the worker will read at each connection: checked now, so a typo fails at start. */
function readableFile(where: string, key: string, value: unknown): string {
  if (typeof value !== 'string' || !value) throw new ConfigError(`${where}: "${key}" must be a file path`);
  try {
    accessSync(value, constants.R_OK);
  } catch {
    throw new ConfigError(`${where}: "${key}" names ${value}, which cannot be read`);
  }
  return value;
}

/** TLS settings from the file's keys or the URL's query options (same names). */
function tlsSettings(where: string, get: (key: string) => unknown): ClusterTls | undefined {
  const mode = get('ssl-mode');
  const files = { ca: get('ssl-ca'), cert: get('ssl-cert'), key: get('ssl-key') };
  if (mode === undefined && Object.values(files).every((v) => v === undefined)) return undefined;
  const upper = typeof mode === 'string' ? mode.toUpperCase() : mode;
  if (upper !== undefined && !SSL_MODES.includes(upper as SslMode))
    throw new ConfigError(`${where}: "ssl-mode" must be one of ${SSL_MODES.join(', ')}`);
  if ((files.cert === undefined) !== (files.key === undefined))
    throw new ConfigError(`${where}: "ssl-cert" and "ssl-key" go together`);
  // As MySQL's clients: a CA given without a mode means verify against it.
  const tls: ClusterTls = { mode: (upper as SslMode | undefined) ?? (files.ca ? 'VERIFY_CA' : 'PREFERRED') };
  if (tls.mode === 'DISABLED' && Object.values(files).some((v) => v !== undefined))
    throw new ConfigError(`${where}: ssl-mode DISABLED with ssl-ca/ssl-cert/ssl-key set; remove them or choose a mode`);
  for (const [field, key] of [
    ['ca', 'ssl-ca'],
    ['cert', 'ssl-cert'],
    ['key', 'ssl-key'],
  ] as const) {
    if (files[field] !== undefined) tls[field] = readableFile(where, key, files[field]);
  }
  return tls;
}

function settingsFromFileEntry(
  name: string,
  entry: ClusterFileEntry,
  env: NodeJS.ProcessEnv,
  file: string,
): ClusterSettings {
  const where = `cluster "${name}" in ${file}`;
  const unknown = Object.keys(entry).filter((key) => !(FILE_KEYS as readonly string[]).includes(key));
  if (unknown.length > 0)
    throw new ConfigError(`${where}: unknown key(s) ${unknown.join(', ')} (known: ${FILE_KEYS.join(', ')})`);
  if (typeof entry.host !== 'string' || !entry.host)
    throw new ConfigError(`${where}: "host" must be a non-empty string`);
  const port = entry.port ?? 3306;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new ConfigError(`${where}: "port" must be an integer 1-65535`);
  if (typeof entry.user !== 'string' || !entry.user)
    throw new ConfigError(`${where}: "user" must be a non-empty string`);
  const sources = ['password', 'passwordEnv', 'passwordFile'].filter(
    (key) => entry[key as keyof ClusterFileEntry] !== undefined,
  );
  if (sources.length > 1) throw new ConfigError(`${where}: give one of ${sources.join(', ')}, not several`);
  let secret: Pick<ClusterSettings, 'password' | 'passwordFile'> = {};
  if (entry.passwordEnv !== undefined) {
    const password = typeof entry.passwordEnv === 'string' ? env[entry.passwordEnv] : undefined;
    if (password === undefined)
      throw new ConfigError(`${where}: environment variable ${String(entry.passwordEnv)} (passwordEnv) is not set`);
    secret = { password };
  } else if (entry.passwordFile !== undefined) {
    secret = { passwordFile: readableFile(where, 'passwordFile', entry.passwordFile) };
  } else if (typeof entry.password === 'string') {
    secret = { password: entry.password };
  } else if (entry.password !== undefined) {
    throw new ConfigError(`${where}: "password" must be a string`);
  }
  const tls = tlsSettings(where, (key) => entry[key as keyof ClusterFileEntry]);
  return { host: entry.host, port, user: entry.user, ...secret, ...(tls ? { tls } : {}) };
}

/** Query options of a cluster URL, as MySQL Shell writes them, plus `password-file`. */
const URL_OPTIONS: readonly string[] = ['password-file', ...TLS_KEYS];

function settingsFromUrl(variable: string, value: string): ClusterSettings {
  const shape = 'mysql://user:password@host:port?ssl-mode=VERIFY_IDENTITY&ssl-ca=/path/ca.pem';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${variable} is not a URL of the form ${shape}`);
  }
  if (url.protocol !== 'mysql:' || !url.hostname || !url.username) {
    throw new ConfigError(`${variable} must look like ${shape}`);
  }
  const unknown = [...url.searchParams.keys()].filter((key) => !URL_OPTIONS.includes(key));
  if (unknown.length > 0)
    throw new ConfigError(`${variable}: unknown option(s) ${unknown.join(', ')} (known: ${URL_OPTIONS.join(', ')})`);
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  const passwordFile = url.searchParams.get('password-file');
  if (password !== undefined && passwordFile !== null)
    throw new ConfigError(`${variable}: give a password or password-file, not both`);
  const tls = tlsSettings(variable, (key) => url.searchParams.get(key) ?? undefined);
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username),
    ...(password === undefined ? {} : { password }),
    ...(passwordFile === null ? {} : { passwordFile: readableFile(variable, 'password-file', passwordFile) }),
    ...(tls ? { tls } : {}),
  };
}

const ENV_PREFIX = 'MOVE_TABLES_CLUSTER_';

/**
 * Reads the worker's cluster configuration:
 * 1. `MOVE_TABLES_CLUSTERS_FILE`: JSON `{"clusters": {"<name>": {"host", "port", "user",
 *    "password" | "passwordEnv" | "passwordFile", "ssl-mode", "ssl-ca", "ssl-cert", "ssl-key"}}}`;
 * 2. `MOVE_TABLES_CLUSTER_<NAME>=mysql://user:password@host:port?ssl-mode=…&ssl-ca=…` (overrides
 *    the file; `<NAME>` upper-cased, `-` written as `_`).
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
