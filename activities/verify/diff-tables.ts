// Activity `diffTables`: the moved tables compared on both sides at one source position, chunk by
// chunk (chunk-compare.ts) inside a pair of aligned snapshots (aligned-snapshots.ts), for at most
// `maxSnapshotSeconds`: then it returns what is left, and the next slice opens fresh snapshots (a
// read view held for hours would keep the servers' undo from being purged). Its heartbeat carries the
// slice so far: a retry after a lost worker goes on from the last compared chunk, with fresh snapshots.
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { DiffInput, DiffSlice } from '../../contract/activities.js';
import { failure } from '../../contract/failures.js';
import type { Clusters } from '../clusters.js';
import { decodeKey, encodeKey } from '../copy/keyset.js';
import { alignedSnapshots } from './aligned-snapshots.js';
import { compareChunk, comparedTable, type ComparedTable } from './chunk-compare.js';

/** Differences listed per slice (each with its keys): the result stays far under Temporal's payload limit. */
const MAX_SLICE_DIFFERENCES = 200;
const MAX_SLICE_KEYED_DIFFERENCES = 20;

export async function diffTables(clusters: Clusters, input: DiffInput): Promise<DiffSlice> {
  const ctx = Context.current();
  const lost = ctx.info.heartbeatDetails as DiffSlice | undefined;
  const slice: DiffSlice = lost
    ? { ...lost, resumedAfterChunks: Object.values(lost.compared).reduce((sum, c) => sum + c.chunks, 0) }
    : {
        position: '',
        ranges: input.ranges.map((r) => ({ ...r })),
        compared: {},
        differences: [],
        unlisted: [],
        resumedAfterChunks: 0,
      };
  if (slice.ranges.length === 0) return slice;
  const snapshots = await alignedSnapshots(clusters, input, () => ctx.heartbeat(slice));
  try {
    slice.position = snapshots.position;
    ctx.heartbeat(slice);
    const deadline = Date.now() + input.maxSnapshotSeconds * 1_000;
    const tables = new Map<string, ComparedTable>();
    const table = async (name: string) => {
      const pair = input.tables.find((t) => t.copy === name);
      if (!pair) throw failure('InvalidInput', `diff: no moved table "${name}"`);
      const known = tables.get(name);
      if (known) return known;
      const compared = await comparedTable(
        { source: snapshots.live, target: snapshots.copy },
        {
          database: input.live.database,
          sourceTable: pair.live,
          targetDatabase: input.copy.database,
          targetTable: pair.copy,
        },
        clusters.describe(input.live.cluster),
      );
      tables.set(name, compared);
      return compared;
    };
    // At least one chunk a slice, however short the snapshots may live: every slice moves on.
    for (let chunks = 0; slice.ranges.length > 0 && (chunks === 0 || Date.now() < deadline); chunks++) {
      // An aborted move: stop between chunks (the snapshots close, nothing holds the stream).
      if (ctx.cancellationSignal.aborted) throw new CancelledFailure('the comparison was cancelled');
      const range = slice.ranges[0]!;
      const listKeys = slice.differences.length < MAX_SLICE_KEYED_DIFFERENCES;
      const from = range.after === null ? null : decodeKey(range.after);
      const upTo = range.upTo === null ? null : decodeKey(range.upTo);
      const chunk = await compareChunk(await table(range.table), from, upTo, input.chunkSize, listKeys);
      const counts = (slice.compared[range.table] ??= { chunks: 0, liveRows: 0, copyRows: 0 });
      counts.chunks++;
      counts.liveRows += chunk.sourceRows;
      counts.copyRows += chunk.targetRows;
      const to = chunk.to === null ? null : encodeKey(chunk.to);
      if (chunk.differs) {
        if (slice.differences.length < MAX_SLICE_DIFFERENCES)
          slice.differences.push({
            table: range.table,
            after: range.after,
            upTo: to,
            liveRows: chunk.sourceRows,
            copyRows: chunk.targetRows,
            ...(chunk.differingKeys ? { differingKeys: chunk.differingKeys } : {}),
          });
        else if (!slice.unlisted.includes(range.table)) slice.unlisted.push(range.table);
      }
      if (chunk.last) slice.ranges.shift();
      else range.after = to;
      ctx.heartbeat(slice);
    }
    return slice;
  } finally {
    await snapshots.close();
  }
}
