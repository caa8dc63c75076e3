// T2 and T3: capture the source's GTID position after the RENAME, then wait until the stream
// has applied it on the target.
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type mysql from 'mysql2/promise';
import type { DrainInput, DrainResult } from '../workflows/types.js';
import { serverFlavor, type Clusters } from './connections.js';
import { failure } from './errors.js';
import { normalizePosition, positionCovers } from './gtid.js';
import { readStreamState } from './stream-state.js';

/**
 * The source's GTID position now. As T2 (read strictly after T1 returned) it is the drain GTID: it
 * includes every write that reached the table before the RENAME, and the RENAME itself.
 */
export async function currentGtidPosition(clusters: Clusters, source: string): Promise<string> {
  const pool = clusters.pool(source);
  const variable = (await serverFlavor(pool)) === 'mariadb' ? '@@global.gtid_binlog_pos' : '@@global.gtid_executed';
  const [rows] = await pool.query<mysql.RowDataPacket[]>(`SELECT ${variable} AS position`);
  return normalizePosition(String(rows[0]!.position ?? ''));
}

/**
 * T3: polls the stream's applied position on the target until it covers the drain GTID.
 * Heartbeats every poll, so a lost worker is noticed within the heartbeat timeout and another
 * worker resumes the poll with the same drain GTID (the activity input, kept in history). The
 * timeout runs from the first attempt's schedule time, so retries do not extend it.
 */
export async function awaitDrain(clusters: Clusters, input: DrainInput): Promise<DrainResult> {
  const ctx = Context.current();
  const deadline = ctx.info.scheduledTimestampMs + input.timeoutMs;
  const pool = clusters.pool(input.target);
  let applied = '';
  for (;;) {
    const state = await readStreamState(pool, input.streamId);
    if (!state) throw failure('MissingTable', `no stream state for ${input.streamId} on ${clusters.describe(input.target)}`);
    applied = state.appliedPosition;
    if (positionCovers(applied, input.drainGtid)) return { appliedPosition: applied, attempts: ctx.info.attempt };
    ctx.heartbeat({ appliedPosition: applied });
    if (Date.now() >= deadline) {
      throw failure('DrainTimeout', `drain timed out after ${input.timeoutMs} ms: the target applied ${applied || '(nothing)'} but the drain GTID is ${input.drainGtid}`, { appliedPosition: applied, drainGtid: input.drainGtid });
    }
    await Promise.race([sleep(input.pollIntervalMs), ctx.cancelled.catch(() => undefined)]);
    if (ctx.cancellationSignal.aborted) throw new CancelledFailure('drain cancelled');
  }
}
