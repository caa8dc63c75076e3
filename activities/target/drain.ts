// T3: wait until the stream has applied the drain GTID on the target, then carry the
// AUTO_INCREMENT counters over.
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { DrainInput, DrainResult } from '../../contract/activities.js';
import { failure } from '../../contract/failures.js';
import type { Clusters } from '../clusters.js';
import { positionCovers } from '../stream/gtid.js';
import { syncAutoIncrement } from './auto-increment.js';
import { undecidedXids } from './pending-xa.js';
import { readStreamState } from './stream-state.js';

/**
 * Activity `awaitDrain` (T3): polls the stream's applied position on the target until it covers
 * the drain GTID. Heartbeats every poll, so a lost worker is noticed within the heartbeat timeout
 * and another worker resumes the poll with the same drain GTID (the activity input, kept in
 * history). The timeout runs from the first attempt's schedule time, so retries do not extend it.
 */
export async function awaitDrain(clusters: Clusters, input: DrainInput): Promise<DrainResult> {
  const ctx = Context.current();
  const deadline = ctx.info.scheduledTimestampMs + input.timeoutMs;
  const pool = clusters.pool(input.target);
  let applied = '';
  let undecided: string[] = [];
  for (;;) {
    const state = await readStreamState(pool, input.streamId);
    if (!state)
      throw failure(
        'StreamNotRegistered',
        `no stream state for ${input.streamId} on ${clusters.describe(input.target)}`,
      );
    applied = state.appliedPosition;
    // A prepared XA transaction on a moved table may still commit after the RENAME: not drained until decided.
    const covered = positionCovers(applied, input.drainGtid);
    undecided = covered ? await undecidedXids(pool, input.streamId) : [];
    if (covered && undecided.length === 0) {
      // Frozen since T1 and fully applied: the source's counters are final, the target's can follow.
      const raised = input.autoIncrement ? await syncAutoIncrement(clusters, input.autoIncrement) : [];
      return { appliedPosition: applied, attempts: ctx.info.attempt, autoIncrementRaised: raised };
    }
    ctx.heartbeat({ appliedPosition: applied });
    if (Date.now() >= deadline) {
      throw failure(
        'DrainTimeout',
        undecided.length
          ? `drain timed out after ${input.timeoutMs} ms: XA transaction(s) prepared on a moved table are still undecided (xid ${undecided.join(', ')}); their rows would land after the drain`
          : `drain timed out after ${input.timeoutMs} ms: the target applied ${applied || '(nothing)'} but the drain GTID is ${input.drainGtid}`,
        { appliedPosition: applied, drainGtid: input.drainGtid, ...(undecided.length ? { xids: undecided } : {}) },
      );
    }
    await Promise.race([sleep(input.pollIntervalMs), ctx.cancelled.catch(() => undefined)]);
    if (ctx.cancellationSignal.aborted) throw new CancelledFailure('drain cancelled');
  }
}
