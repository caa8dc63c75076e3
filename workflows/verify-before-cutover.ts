// A move's default verification (`verify: "before-cutover"`): once the copy has caught up and before
// the first attempt renames anything, both sides are compared at one source position (diff-pass.ts)
// while the stream and the application's writes go on. A difference holds the move for an operator
// with its keys, nothing renamed: `retryCutOver` compares again only what differed (the stream may
// have healed it), an abort ends the move. A comparison that cannot run holds too: a move is never
// failed after its copy by its verification.
import { condition, isCancellation } from '@temporalio/workflow';
import type { VerifyReport, VerifyTableReport } from '../contract/activities.js';
import type { MovePhase, MoveStatus } from '../contract/move.js';
import type { MovedTables } from '../contract/tables.js';
import {
  diffPass,
  differencesText,
  forwardSides,
  rangesToRecheck,
  startVerification,
  wholeTables,
  type DiffPassResult,
} from './diff-pass.js';
import { errorMessage } from './failures.js';

export interface VerifyBeforeCutOverContext {
  tables: MovedTables;
  status: MoveStatus;
  phase: (next: MovePhase) => void;
  chunkSize: number;
  maxSnapshotSeconds: number;
  retryRequests(): number;
  /** Throws the stream's own failure once it has failed. */
  checkStream(): void;
  streamFailed(): boolean;
}

export async function verifyBeforeCutOver(ctx: VerifyBeforeCutOverContext): Promise<VerifyReport> {
  const { status } = ctx;
  const started = Date.now();
  const sides = forwardSides(ctx.tables);
  const verification = startVerification(status, 'before-cutover', sides);
  ctx.phase('verify');

  /** Holds for an operator: `retryCutOver` goes on; a failed stream ends the move with its cause. */
  const hold = async (reason: string) => {
    status.hold = { reason, since: new Date().toISOString(), renamedTables: [] };
    status.lastError = reason;
    ctx.phase('holding');
    const seen = ctx.retryRequests();
    await condition(() => ctx.retryRequests() > seen || ctx.streamFailed());
    ctx.checkStream();
    delete status.hold;
    ctx.phase('verify');
  };

  // The first pass's figures are the report's (a re-check compares only what differed).
  let first: VerifyTableReport[] | undefined;
  let ranges = wholeTables(sides);
  for (;;) {
    // Shown again after a hold (an operator's verifyMove may have shown its own meanwhile).
    status.verification = verification;
    let pass: DiffPassResult;
    try {
      pass = await diffPass(sides, ranges, verification, {
        chunkSize: ctx.chunkSize,
        maxSnapshotSeconds: ctx.maxSnapshotSeconds,
        beforeSlice: ctx.checkStream,
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      ctx.checkStream();
      verification.state = 'comparing';
      await hold(
        `the verification before the cutover could not compare: ${errorMessage(err)}; retryCutOver tries again`,
      );
      continue;
    }
    first ??= pass.reports;
    if (verification.state === 'equal') {
      return {
        ok: true,
        tables: first.map((report) => ({ ...report, mismatchedChunks: 0, mismatches: [] })),
        durationMs: Date.now() - started,
        beforeCutOver: {
          position: verification.position ?? '',
          snapshots: verification.snapshots,
          passes: verification.pass,
        },
      };
    }
    await hold(
      `the verification before the cutover found differences at source position ${verification.position}: ${differencesText(verification.differences)}; nothing was renamed: retryCutOver compares those ranges again, abort ends the move`,
    );
    ranges = rangesToRecheck(pass);
    verification.pass++;
    verification.state = 'comparing';
    verification.rowsCompared = 0;
  }
}
