// Cluster names resolved to connections, inside the worker. Workflows pass names only; the
// settings, passwords included, never leave this process.
import type { Connection as CoreConnection, PoolOptions } from 'mysql2';
import mysql from 'mysql2/promise';
import type { Flavor } from '../contract/clusters.js';
import { failure } from '../contract/failures.js';
import {
  connectionFailure,
  ipIdentityStream,
  NO_TLS_ON_SERVER,
  readPasswordFile,
  sslOptions,
  type ClusterTls,
} from './cluster-tls.js';

/** How the worker reaches one MySQL/MariaDB cluster. */
export interface ClusterSettings {
  host: string;
  port: number;
  user: string;
  password?: string;
  /** Read again for every new connection: a rotated secret needs no restart. */
  passwordFile?: string;
  /** Omitted: PREFERRED, as MySQL's clients (TLS when the server offers it, unverified). */
  tls?: ClusterTls;
}

const PREFERRED: ClusterTls = { mode: 'PREFERRED' };

/** The parts of mysql2's callback pool a cluster's pool adapts (new connections' settings). */
interface CorePool {
  config: { connectionConfig: PoolOptions };
  getConnection(cb: (err: unknown, conn?: CoreConnection) => void): void;
}

export type ClusterConfig = ReadonlyMap<string, ClusterSettings>;

/** `name (user@host:port)`: how a cluster may appear in logs and errors (never the password). */
export function clusterLabel(name: string, settings: ClusterSettings): string {
  return `${name} (${settings.user}@${settings.host}:${settings.port})`;
}

/**
 * Every session of the worker runs with these, whatever the server's defaults: TIMESTAMP text is
 * UTC on both sides (the binlog carries epochs, which zongji renders as UTC); strict mode makes a
 * value the target cannot store an error, never a silent truncation; NO_AUTO_VALUE_ON_ZERO keeps an
 * explicit 0 in an AUTO_INCREMENT column. Zero dates stay allowed: the source may hold them.
 */
export const SESSION_SETUP =
  "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'";

/**
 * Sessions that write the moved rows to the target also skip foreign-key checks, as a replica's
 * applier does: the source checked every row already, and the copy does not run parent first.
 * (Keys the move could not keep exact are refused in prepare: schema-rules.ts.) They keep every
 * warning a load raises (the default keeps 64): each row a load skipped must be seen to be a
 * duplicate (load-rows.ts).
 */
const TARGET_WRITER_SETUP = 'SET foreign_key_checks = 0, max_error_count = 65535';

/**
 * A statement without values goes as it is: mysql2 would first scan all of it for placeholders,
 * which was a fifth of the copy's CPU (its INSERTs are megabytes of rows the source spelled out).
 */
function formatQuery(sql: string, values: unknown): string {
  return values === undefined || (Array.isArray(values) && values.length === 0)
    ? sql
    : mysql.format(sql, values as Parameters<typeof mysql.format>[1], false, 'Z');
}

export class Clusters {
  private readonly pools = new Map<string, mysql.Pool>();
  /** PREFERRED clusters whose server offered no TLS: plaintext from then on, as MySQL's clients. */
  private readonly plaintext = new Set<string>();

  constructor(private readonly config: ClusterConfig) {}

  settings(name: string): ClusterSettings {
    const settings = this.config.get(name);
    if (!settings) {
      const known = [...this.config.keys()].sort().join(', ') || '(none configured)';
      throw failure('UnknownCluster', `unknown cluster "${name}"; this worker knows: ${known}`, { cluster: name });
    }
    return settings;
  }

  describe(name: string): string {
    return clusterLabel(name, this.settings(name));
  }

  /**
   * mysql2 options shared by every connection: values exactly as stored (strings for big numbers,
   * dates, JSON), UTC; TLS as configured, the password and PEM files read now.
   */
  connectionOptions(name: string): mysql.ConnectionOptions {
    const { host, port, user } = this.settings(name);
    const ssl = this.plaintext.has(name) ? undefined : sslOptions(this.tls(name));
    return {
      host,
      port,
      user,
      password: this.password(name),
      ...(ssl ? { ssl, ...ipIdentityStream(host, this.tls(name)) } : {}),
      timezone: 'Z',
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: false,
      // JSON as its stored text: re-serialising a parsed document would change MariaDB's bytes.
      jsonStrings: true,
      charset: 'utf8mb4_general_ci',
      connectTimeout: 10_000,
      queryFormat: formatQuery,
    };
  }

  /** A dedicated connection (sessions that hold locks or stream); the caller ends it. */
  async connect(name: string): Promise<mysql.Connection> {
    return this.connectWith(name, [SESSION_SETUP]);
  }

  /** A dedicated connection whose locking reads lock gaps too, whatever the server's default isolation. */
  async connectRepeatableRead(name: string): Promise<mysql.Connection> {
    return this.connectWith(name, [SESSION_SETUP, 'SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ']);
  }

  /** A dedicated connection that writes moved rows (or their tables) on the target. */
  async connectTargetWriter(name: string): Promise<mysql.Connection> {
    return this.connectWith(name, [SESSION_SETUP, TARGET_WRITER_SETUP]);
  }

  /**
   * Options for a connection opened by another library (the binlog reader): a PREFERRED cluster's
   * TLS is settled first, by one connection of our own, unless a server without TLS taught it.
   */
  async settledConnectionOptions(name: string): Promise<mysql.ConnectionOptions> {
    if (this.tls(name).mode === 'PREFERRED' && !this.plaintext.has(name)) await (await this.connect(name)).end();
    return this.connectionOptions(name);
  }

  /**
   * A connection error for the operator: configuration problems fail at once, naming the cluster.
   * A PREFERRED cluster's server without TLS is learned here too; that error is left retryable.
   */
  connectionError(name: string, err: unknown): unknown {
    if (this.learnedPlaintext(name, err)) return err;
    const tls = this.tls(name);
    return connectionFailure(err, this.describe(name), tls, tls.mode !== 'DISABLED' && !this.plaintext.has(name));
  }

  private tls(name: string): ClusterTls {
    return this.settings(name).tls ?? PREFERRED;
  }

  private password(name: string): string | undefined {
    const { password, passwordFile } = this.settings(name);
    return passwordFile ? readPasswordFile(passwordFile) : password;
  }

  /** A PREFERRED cluster whose server has no TLS goes plaintext; true when this error taught it so. */
  private learnedPlaintext(name: string, err: unknown): boolean {
    if ((err as { code?: string }).code !== NO_TLS_ON_SERVER || this.tls(name).mode !== 'PREFERRED') return false;
    if (this.plaintext.has(name)) return false;
    this.plaintext.add(name);
    return true;
  }

  private async open(name: string): Promise<mysql.Connection> {
    try {
      return await mysql.createConnection(this.connectionOptions(name));
    } catch (err) {
      if (this.learnedPlaintext(name, err)) return this.open(name);
      throw this.connectionError(name, err);
    }
  }

  private async connectWith(name: string, setup: string[]): Promise<mysql.Connection> {
    const conn = await this.open(name);
    try {
      for (const statement of setup) await conn.query(statement);
    } catch (err) {
      await conn.end().catch(() => undefined);
      throw err;
    }
    return conn;
  }

  /** A shared pool for short statements. */
  pool(name: string): mysql.Pool {
    let pool = this.pools.get(name);
    if (!pool) {
      pool = mysql.createPool({ ...this.connectionOptions(name), connectionLimit: 8, enableKeepAlive: true });
      this.adaptNewConnections(name, pool.pool as unknown as CorePool);
      // Queued ahead of the first statement a new pooled connection runs; a session that cannot be
      // set up is not used.
      pool.pool.on('connection', (conn) => {
        conn.query(SESSION_SETUP, (err) => {
          if (err) conn.destroy();
        });
      });
      this.pools.set(name, pool);
    }
    return pool;
  }

  /**
   * Each new pooled connection reads the password file again, and a connection refused for a
   * reason of configuration fails as the dedicated connections do.
   */
  private adaptNewConnections(name: string, core: CorePool): void {
    const config = core.config.connectionConfig;
    if (this.settings(name).passwordFile) {
      Object.defineProperty(config, 'password', { get: () => this.password(name), enumerable: true });
    }
    const getConnection = core.getConnection.bind(core);
    core.getConnection = (cb) =>
      getConnection((err, conn) => {
        if (!err) return cb(null, conn);
        if (this.learnedPlaintext(name, err)) {
          config.ssl = undefined;
          return core.getConnection(cb);
        }
        cb(this.connectionError(name, err));
      });
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.end()));
    this.pools.clear();
  }
}

export type Queryable = mysql.Pool | mysql.Connection;

/**
 * The callback connection under a promise one, whose commands and packet writes are reachable
 * (mysql2 has it): the copy's line reader and its load use its internals (package.json pins mysql2).
 */
export const callbackConnection = (conn: mysql.Connection): CoreConnection =>
  (conn as unknown as { connection: CoreConnection }).connection;

export async function serverFlavor(conn: Queryable): Promise<Flavor> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT VERSION() AS version');
  return /mariadb/i.test(String(rows[0]?.version)) ? 'mariadb' : 'mysql';
}

/** Opens every connection, or none: one that fails ends those already open. */
export async function connectAll(opens: Array<() => Promise<mysql.Connection>>): Promise<mysql.Connection[]> {
  const opened = await Promise.allSettled(opens.map((open) => open()));
  const failed = opened.find((o) => o.status === 'rejected');
  const conns = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  if (!failed) return conns;
  await Promise.all(conns.map((conn) => conn.end().catch(() => undefined)));
  throw failed.reason;
}
