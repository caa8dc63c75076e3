// An operator's `verifyMove`: the comparison at one source position (diff-pass.ts) on demand, while
// the move goes on: nothing holds, nothing stops, a difference is reported in the status. Before the
// cutover it compares the source with the target; after a reversible cutover, the live side with
// the standby side its stream keeps. It waits out a cutover attempt under way (its hold on the stream
// would stretch the drain), and refuses when the sides are not meant to be equal (the copy is not
// done, the tables are renamed by a hold, the standby stream has failed) or the move has ended.
import { condition, isCancellation } from '@temporalio/workflow';
import type { VerifyMoveOptions } from '../contract/definitions.js';
import type { MoveStatus } from '../contract/move.js';
import type { MovedTables } from '../contract/tables.js';
import {
  diffPass,
  differencesText,
  forwardSides,
  standbySides,
  startVerification,
  wholeTables,
  type DiffSides,
} from './diff-pass.js';
import { errorMessage } from './failures.js';

export interface VerifyOnDemandContext {
  tables: MovedTables;
  status: MoveStatus;
  /** The requests so far, oldest first. */
  requests: VerifyMoveOptions[];
  chunkSize: number;
  maxSnapshotSeconds: number;
}

/** The sides to compare now, or why not. */
function sidesNow({ tables, status }: VerifyOnDemandContext): DiffSides | string {
  switch (status.phase) {
    case 'prepare':
    case 'copy':
      return 'the copy is not done: the sides are compared once it has caught up';
    case 'verify':
      return 'a comparison is already running (see verification in the status)';
    case 'done':
    case 'failed':
    case 'cancelled':
      return 'the move has ended';
    default:
  }
  if (status.hold?.renamedTables.length) return 'the source tables are renamed by a hold: retry or abort first';
  if (!status.standby) return forwardSides(tables);
  if (status.standby.stream?.lastError)
    return `the standby stream has failed (${status.standby.stream.lastError}): the ${status.standby.side} is not kept current`;
  return standbySides(tables, status.liveSide ?? 'target');
}

/** Serves `verifyMove` requests one after another for as long as the move runs. */
export function serveVerifyRequests(ctx: VerifyOnDemandContext): void {
  const { status } = ctx;
  const serve = async () => {
    for (let served = 0; ; served++) {
      await condition(() => ctx.requests.length > served);
      const request = ctx.requests[served]!;
      // An attempt under way: after it (its outcome decides which sides there are); at its gate, now.
      await condition(() => status.phase !== 'cutover' || status.cutOver?.postponed === true);
      const sides = sidesNow(ctx);
      if (typeof sides === 'string') {
        Object.assign(startVerification(status, 'on-demand', forwardSides(ctx.tables), request.requestId), {
          state: 'refused',
          reason: sides,
        });
        continue;
      }
      const verification = startVerification(status, 'on-demand', sides, request.requestId);
      try {
        await diffPass(sides, wholeTables(sides), verification, {
          chunkSize: ctx.chunkSize,
          maxSnapshotSeconds: ctx.maxSnapshotSeconds,
          beforeSlice: () => undefined,
        });
        if (verification.state === 'differs')
          verification.reason = `differences at source position ${verification.position}: ${differencesText(verification.differences)}`;
      } catch (err) {
        if (isCancellation(err)) throw err;
        verification.state = 'failed';
        verification.reason = `could not compare: ${errorMessage(err)}`;
      }
    }
  };
  // Ends with the move: an abort cancels its wait like every other.
  serve().catch((err: unknown) => {
    if (!isCancellation(err)) status.lastError = `verifyMove: ${errorMessage(err)}`;
  });
}
