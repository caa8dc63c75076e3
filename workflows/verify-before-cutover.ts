// A move's default verification (`verify: "before-cutover"`): once the copy has caught up and before
// the first attempt renames anything, both sides are compared at one source position (activity
// diffTables, in slices of fresh snapshots) while the stream and the application's writes go on.
// A difference holds the move for an operator with its keys, nothing renamed: `retryCutOver`
// compares again only what differed (the stream may have healed it), an abort ends the move.
import { condition, isCancellation } from '@temporalio/workflow';
import type { DiffDifference, DiffRange, VerifyReport, VerifyTableReport } from '../contract/activities.js';
import type { MovePhase, MoveStatus, VerificationStatus } from '../contract/move.js';
import type { MovedTables } from '../contract/tables.js';
import { diffStep, summarized } from './activity-shapes.js';
import { errorMessage } from './failures.js';

/** Keys listed per table in the status and the hold's reason. */
const MAX_LISTED_KEYS = 50;

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

function wholeTables(tables: string[]): DiffRange[] {
  return tables.map((table) => ({ table, after: null, upTo: null }));
}

/** What a hold says: per table, its differing chunks and first keys. */
function differencesText(differences: VerificationStatus['differences']): string {
  return Object.entries(differences)
    .map(([table, d]) => `${table}: ${d.chunks} chunk(s) differ, keys ${JSON.stringify(d.keys)}`)
    .join('; ');
}

export async function verifyBeforeCutOver(ctx: VerifyBeforeCutOverContext): Promise<VerifyReport> {
  const { tables, status } = ctx;
  const started = Date.now();
  const { diffTables } = diffStep(ctx.maxSnapshotSeconds);
  const reports = new Map<string, VerifyTableReport>();
  const verification: VerificationStatus = {
    state: 'comparing',
    pass: 1,
    startedAt: new Date().toISOString(),
    rowsCompared: 0,
    estimatedRows: Math.max(status.estimatedRows, status.rowsCopied),
    rowsPerSecond: 0,
    snapshots: 0,
    resumedChunks: 0,
    differences: {},
  };
  status.verification = verification;
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

  let ranges = wholeTables(tables.tables);
  for (;;) {
    const passStarted = Date.now();
    const found: DiffDifference[] = [];
    const unlisted = new Set<string>();
    while (ranges.length > 0) {
      ctx.checkStream();
      let slice;
      try {
        slice = await summarized(
          diffTables,
          `verify: compare ${ranges.length} key range(s) at one source position, chunks of ${ctx.chunkSize} rows`,
          {
            live: { cluster: tables.source, database: tables.database },
            copy: { cluster: tables.target, database: tables.targetDatabase },
            tables: tables.tables.map((t) => ({ live: t, copy: t })),
            streamId: tables.streamId,
            chunkSize: ctx.chunkSize,
            maxSnapshotSeconds: ctx.maxSnapshotSeconds,
            ranges,
          },
        );
      } catch (err) {
        if (isCancellation(err)) throw err;
        ctx.checkStream();
        await hold(
          `the verification before the cutover could not compare: ${errorMessage(err)}; retryCutOver tries again`,
        );
        continue;
      }
      ranges = slice.ranges;
      verification.snapshots++;
      verification.position = slice.position;
      verification.resumedChunks += slice.resumedAfterChunks;
      for (const [table, counts] of Object.entries(slice.compared)) {
        const report = reports.get(table) ?? {
          table,
          sourceTable: table,
          sourceRows: 0,
          targetRows: 0,
          chunks: 0,
          mismatchedChunks: 0,
          mismatches: [],
        };
        reports.set(table, report);
        if (verification.pass === 1) {
          report.sourceRows += counts.liveRows;
          report.targetRows += counts.copyRows;
          report.chunks += counts.chunks;
        }
        verification.rowsCompared += counts.liveRows;
      }
      found.push(...slice.differences);
      for (const table of slice.unlisted) unlisted.add(table);
      const seconds = Math.max((Date.now() - passStarted) / 1_000, 0.001);
      verification.rowsPerSecond = Math.round(verification.rowsCompared / seconds);
      verification.etaSeconds =
        verification.pass === 1 && verification.rowsPerSecond > 0
          ? Math.max(
              0,
              Math.round((verification.estimatedRows - verification.rowsCompared) / verification.rowsPerSecond),
            )
          : 0;
    }

    verification.differences = {};
    for (const d of found) {
      const entry = (verification.differences[d.table] ??= { chunks: 0, keys: [] });
      entry.chunks++;
      entry.keys.push(...(d.differingKeys ?? []).slice(0, MAX_LISTED_KEYS - entry.keys.length));
    }
    for (const report of reports.values()) {
      const mine = found.filter((d) => d.table === report.table);
      report.mismatchedChunks = mine.length;
      report.mismatches = mine.slice(0, MAX_LISTED_KEYS).map((d) => ({
        afterKey: d.after === null ? null : (JSON.parse(d.after) as unknown[]),
        upToKey: d.upTo === null ? null : (JSON.parse(d.upTo) as unknown[]),
        sourceRows: d.liveRows,
        targetRows: d.copyRows,
        ...(d.differingKeys ? { differingKeys: d.differingKeys } : {}),
      }));
    }
    if (found.length === 0 && unlisted.size === 0) {
      verification.state = 'equal';
      verification.etaSeconds = 0;
      return {
        ok: true,
        tables: [...reports.values()],
        durationMs: Date.now() - started,
        beforeCutOver: {
          position: verification.position ?? '',
          snapshots: verification.snapshots,
          passes: verification.pass,
        },
      };
    }
    verification.state = 'differs';
    await hold(
      `the verification before the cutover found differences at source position ${verification.position}: ${differencesText(verification.differences)}; nothing was renamed: retryCutOver compares those ranges again, abort ends the move`,
    );
    // Only what differed, again: a table with more differences than were listed, whole.
    ranges = [
      ...wholeTables([...unlisted]),
      ...found.filter((d) => !unlisted.has(d.table)).map(({ table, after, upTo }) => ({ table, after, upTo })),
    ];
    verification.pass++;
    verification.state = 'comparing';
    verification.rowsCompared = 0;
  }
}
