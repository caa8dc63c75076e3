// An application behind a router, for measuring what it sees of a cutover: writes go to the source
// until one is refused (the RENAME), wait for the routing flag (a file the on-success hook writes),
// then go to the target. Records when writes started failing, when the first was refused and when
// the first was accepted on the target.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';

export interface RoutedLoadOptions {
  source: mysql.ConnectionOptions;
  target: mysql.ConnectionOptions;
  database: string;
  table: string;
  /** Statements per second across all connections. */
  ratePerSecond: number;
  /** Holds `target` once the application's routing has flipped. */
  routeFile: string;
  connections?: number;
}

export interface RoutedLoadTimes {
  /** Send time of the earliest statement that did not succeed on the source (it waited behind the RENAME). */
  firstFailedSentAt?: number;
  firstRefusedAt?: number;
  routeFlippedAt?: number;
  firstTargetAcceptedAt?: number;
  acceptedOnSource: number;
  acceptedOnTarget: number;
  errors: string[];
}

const ROUTE_POLL_MS = 1;

/** Table shape: `(id BIGINT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64), n INT)`. */
export function startRoutedLoad(options: RoutedLoadOptions): { stop: () => Promise<RoutedLoadTimes> } {
  const times: RoutedLoadTimes = { acceptedOnSource: 0, acceptedOnTarget: 0, errors: [] };
  const workers = options.connections ?? 4;
  const interval = (1_000 * workers) / options.ratePerSecond;
  const table = `\`${options.database}\`.\`${options.table}\``;
  let stopped = false;
  let route: 'source' | 'target' = 'source';

  // The router: notices the flag within a millisecond or two, as a config watch would.
  const watcher = (async () => {
    while (!stopped && route === 'source') {
      try {
        if (readFileSync(options.routeFile, 'utf8').trim() === 'target') {
          route = 'target';
          times.routeFlippedAt = Date.now();
        }
      } catch {
        // Not written yet.
      }
      await sleep(ROUTE_POLL_MS);
    }
  })();

  async function write(conn: mysql.Connection, n: number): Promise<void> {
    if (n % 2 === 0) await conn.query(`INSERT INTO ${table} (v, n) VALUES (?, ?)`, [`ins-${Date.now()}`, n]);
    else await conn.query(`UPDATE ${table} SET n = n + 1 WHERE id = ?`, [1 + (n % 1_000)]);
  }

  async function run(worker: number): Promise<void> {
    const source = await mysql.createConnection(options.source);
    const target = await mysql.createConnection(options.target);
    try {
      let next = Date.now();
      for (let n = worker; !stopped; n += workers) {
        const onTarget = route === 'target';
        const sent = Date.now();
        try {
          await write(onTarget ? target : source, n);
          if (onTarget) {
            times.acceptedOnTarget++;
            times.firstTargetAcceptedAt ??= Date.now();
          } else {
            times.acceptedOnSource++;
          }
        } catch (err) {
          if ((err as { code?: string }).code !== 'ER_NO_SUCH_TABLE' || onTarget) {
            times.errors.push((err as Error).message);
            if (times.errors.length > 20) return;
          } else {
            times.firstRefusedAt ??= Date.now();
            times.firstFailedSentAt = Math.min(times.firstFailedSentAt ?? sent, sent);
            // Held until the router flips, then written to the target (the application retries).
            while (route === 'source' && !stopped) await sleep(ROUTE_POLL_MS);
            n -= workers;
            continue;
          }
        }
        next += interval;
        const wait = next - Date.now();
        if (wait > 0) await sleep(wait);
      }
    } finally {
      await Promise.all([source.end(), target.end()].map((p) => p.catch(() => undefined)));
    }
  }

  const runners = Array.from({ length: workers }, (_, i) => run(i));
  return {
    async stop() {
      stopped = true;
      await Promise.all([...runners, watcher]);
      return times;
    },
  };
}
