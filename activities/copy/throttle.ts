// The copy's yield to its servers' load: it waits while either server runs more threads than the
// move allows (maxThreadsRunning), reading the servers' load at most once a second, as gh-ost reads
// its --max-load: a status read per chunk would cost both servers for nothing in between.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type mysql from 'mysql2/promise';
import type { CopySliceInput } from '../../contract/activities.js';
import type { Clusters } from '../clusters.js';

const THROTTLE_WAIT_MS = 500;
const CHECK_EVERY_MS = 1_000;

async function threadsRunning(pool: mysql.Pool): Promise<number> {
  const [rows] = await pool.query<mysql.RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Threads_running'");
  return Number(rows[0]?.Value ?? 0);
}

/**
 * The gate a slice passes before each chunk: resolves with the milliseconds it waited (0 when the
 * last reading is under a second old). While it waits it heartbeats `progress()` with the readings.
 */
export function throttleGate(
  clusters: Clusters,
  input: CopySliceInput,
  ctx: Context,
  progress: () => object,
): () => Promise<number> {
  let checkedAt = -Infinity;
  return async () => {
    if (Date.now() - checkedAt < CHECK_EVERY_MS) return 0;
    const started = Date.now();
    for (;;) {
      const [source, target] = await Promise.all([
        threadsRunning(clusters.pool(input.source)),
        threadsRunning(clusters.pool(input.target)),
      ]);
      if (source <= input.maxThreadsRunning.source && target <= input.maxThreadsRunning.target) {
        checkedAt = Date.now();
        return checkedAt - started;
      }
      ctx.heartbeat({ ...progress(), throttled: { sourceThreadsRunning: source, targetThreadsRunning: target } });
      if (ctx.cancellationSignal.aborted) throw new CancelledFailure('copy cancelled');
      await sleep(THROTTLE_WAIT_MS);
    }
  };
}
