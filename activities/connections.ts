import mysql from 'mysql2/promise';
import { describeCluster, type ClusterConfig, type ClusterSettings } from '../worker/cluster-config.js';
import { failure } from './errors.js';

export type Flavor = 'mariadb' | 'mysql';

/**
 * Resolves cluster names to connections inside the worker. Workflows pass names only; the
 * settings, passwords included, never leave this process.
 */
export class Clusters {
  private readonly pools = new Map<string, mysql.Pool>();

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
    return describeCluster(name, this.settings(name));
  }

  /** mysql2 options shared by every connection: values exactly as stored (strings for big numbers, dates, JSON), UTC. */
  connectionOptions(name: string): mysql.ConnectionOptions {
    const { host, port, user, password } = this.settings(name);
    return {
      host, port, user, password,
      timezone: 'Z',
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: false,
      // JSON as its stored text: re-serialising a parsed document would change MariaDB's bytes.
      jsonStrings: true,
      charset: 'utf8mb4_general_ci',
      connectTimeout: 10_000,
    };
  }

  /** A dedicated connection (sessions that hold locks or stream); the caller ends it. */
  async connect(name: string): Promise<mysql.Connection> {
    return mysql.createConnection(this.connectionOptions(name));
  }

  /** A shared pool for short statements. */
  pool(name: string): mysql.Pool {
    let pool = this.pools.get(name);
    if (!pool) {
      pool = mysql.createPool({ ...this.connectionOptions(name), connectionLimit: 8, enableKeepAlive: true });
      this.pools.set(name, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.end()));
    this.pools.clear();
  }
}

export async function serverFlavor(conn: mysql.Pool | mysql.Connection): Promise<Flavor> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT VERSION() AS version');
  return /mariadb/i.test(String(rows[0]?.version)) ? 'mariadb' : 'mysql';
}
