// Application-like write load on a source table: inserts, updates and deletes at a target rate
// over a few connections, until stopped or until the table disappears (the cutover RENAME makes
// writes fail, as it does for the real application).
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';

export interface WriteLoadOptions {
  connection: mysql.ConnectionOptions;
  database: string;
  table: string;
  /** Statements per second across all connections. */
  ratePerSecond: number;
  connections?: number;
  /** Share of statements that move a row to a new primary key (0..1); default 0. */
  primaryKeyChanges?: number;
}

export interface WriteLoadStats {
  inserts: number;
  updates: number;
  keyChanges: number;
  deletes: number;
  /** Statements that failed because the table was renamed away. */
  rejected: number;
  /** Achieved rate while the table accepted writes. */
  acceptedPerSecond: number;
  /** Other failures (should be 0). */
  errors: string[];
}

/**
 * Table shape it writes: `(id BIGINT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64), n INT)`.
 * Updates, key changes and deletes pick random ids below the highest id inserted.
 */
export function startWriteLoad(options: WriteLoadOptions): {
  stop: () => Promise<WriteLoadStats>;
  stats: WriteLoadStats;
} {
  const stats: WriteLoadStats = {
    inserts: 0,
    updates: 0,
    keyChanges: 0,
    deletes: 0,
    rejected: 0,
    acceptedPerSecond: 0,
    errors: [],
  };
  const workers = options.connections ?? 4;
  const interval = (1_000 * workers) / options.ratePerSecond;
  const table = `\`${options.database}\`.\`${options.table}\``;
  let stopped = false;
  let tableGone = false;
  let maxId = 1;
  const keyChangeShare = options.primaryKeyChanges ?? 0;
  const started = Date.now();
  let lastAccepted = started;

  async function run(): Promise<void> {
    const conn = await mysql.createConnection(options.connection);
    try {
      const [rows] = await conn.query<mysql.RowDataPacket[]>(
        `SELECT IFNULL(MAX(id), 1) AS id FROM ${table} WHERE id < 1e12`,
      );
      maxId = Math.max(maxId, Number(rows[0]!.id));
      let next = Date.now();
      while (!stopped && !tableGone) {
        const dice = Math.random();
        try {
          if (dice < keyChangeShare) {
            // New keys far above the auto-increment range: no collision with inserts.
            await conn.query(`UPDATE ${table} SET id = ? WHERE id = ?`, [
              1e12 + Math.floor(Math.random() * 1e12),
              1 + Math.floor(Math.random() * maxId),
            ]);
            stats.keyChanges++;
          } else if (dice < 0.5) {
            const [result] = await conn.query<mysql.ResultSetHeader>(`INSERT INTO ${table} (v, n) VALUES (?, ?)`, [
              `ins-${Date.now()}`,
              Math.floor(Math.random() * 1e6),
            ]);
            maxId = Math.max(maxId, result.insertId);
            stats.inserts++;
          } else if (dice < 0.85) {
            await conn.query(`UPDATE ${table} SET v = ?, n = n + 1 WHERE id = ?`, [
              `upd-${Date.now()}`,
              1 + Math.floor(Math.random() * maxId),
            ]);
            stats.updates++;
          } else {
            await conn.query(`DELETE FROM ${table} WHERE id = ?`, [1 + Math.floor(Math.random() * maxId)]);
            stats.deletes++;
          }
          lastAccepted = Date.now();
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (code === 'ER_NO_SUCH_TABLE') {
            stats.rejected++;
            tableGone = true;
          } else {
            stats.errors.push(String((err as Error).message));
            if (stats.errors.length > 20) return;
          }
        }
        next += interval;
        const wait = next - Date.now();
        if (wait > 0) await sleep(wait);
      }
    } finally {
      await conn.end().catch(() => undefined);
    }
  }

  const runners = Array.from({ length: workers }, run);
  return {
    stats,
    async stop() {
      stopped = true;
      await Promise.all(runners);
      const accepted = stats.inserts + stats.updates + stats.keyChanges + stats.deletes;
      stats.acceptedPerSecond = accepted / Math.max(0.001, (lastAccepted - started) / 1_000);
      return stats;
    },
  };
}
