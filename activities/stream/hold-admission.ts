// What a stream held at a source position may still apply (stream-hold.ts): the queued transactions
// up to that position, in order, and nothing after it.
import { positionWithin } from './gtid.js';

/** A queued entry as the hold sees it: the GTIDs it completes, or (a part of a transaction) the one it belongs to. */
export interface HeldEntry {
  ops: unknown[];
  gtids: string[];
  partOf?: string;
}

/**
 * Whether the hold at `limit` admits queue entry `i` (a part of a transaction: by its transaction's
 * GTID). Coalesced transactions without moved rows may straddle the limit: the admitted ones are
 * split off into an entry of their own.
 */
export function admitWithin<E extends HeldEntry>(queue: E[], i: number, limit: string): boolean {
  const entry = queue[i]!;
  const gtids = entry.gtids.length > 0 ? entry.gtids : entry.partOf ? [entry.partOf] : [];
  const admitted = gtids.findIndex((gtid) => !positionWithin(gtid, limit));
  if (admitted === -1) return gtids.length > 0;
  if (admitted === 0 || entry.ops.length > 0) return false;
  queue.splice(i, 1, { ...entry, gtids: gtids.slice(0, admitted) }, { ...entry, gtids: gtids.slice(admitted) });
  return true;
}
