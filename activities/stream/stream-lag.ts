// How far the stream trails the source: the time it takes to apply the source position read now.
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import type { StreamLag, StreamLagInput } from '../../contract/activities.js';
import type { Clusters } from '../clusters.js';
import { currentGtidPosition } from '../source/server.js';
import { readStreamState } from '../target/stream-state.js';
import { positionCovers } from './gtid.js';

const POLL_MS = 50;

/** Activity `measureStreamLag`. */
export async function measureStreamLag(clusters: Clusters, input: StreamLagInput): Promise<StreamLag> {
  const ctx = Context.current();
  const sourcePosition = await currentGtidPosition(clusters.pool(input.source));
  const started = Date.now();
  for (;;) {
    const applied = (await readStreamState(clusters.pool(input.target), input.streamId))?.appliedPosition ?? '';
    const lagMs = Date.now() - started;
    if (positionCovers(applied, sourcePosition))
      return { lagMs, caughtUp: true, appliedPosition: applied, sourcePosition };
    if (lagMs >= input.timeoutMs) return { lagMs, caughtUp: false, appliedPosition: applied, sourcePosition };
    ctx.heartbeat({ applied });
    await sleep(POLL_MS);
  }
}
