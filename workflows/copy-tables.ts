// The copy phase: each table copied whole, or (copyConcurrency > 1) split into key ranges copied at
// once, each range its own series of `copyRows` slices with its own resume point on the target, so
// several workers can share one table. Slices return every few seconds: progress is reported and
// pause, chunk-size and stream failures take effect between them.
import { ApplicationFailure, condition, patched } from '@temporalio/workflow';
import type { CopyRange, CopySliceResult } from '../contract/activities.js';
import type { MoveStatus } from '../contract/move.js';
import type { MovedTables } from '../contract/tables.js';
import { COPY_SLICE_MS, moveSteps, summarized } from './activity-shapes.js';
import { errorMessage, surfaced } from './failures.js';

const { copy } = moveSteps;

/** Between tries of a failing slice: doubling from 30 s to 5 minutes (a chunk-size change tries at once). */
const FIRST_RETRY_MS = 30_000;
const MAX_RETRY_MS = 5 * 60_000;

export interface CopyContext {
  tables: MovedTables;
  status: MoveStatus;
  maxThreadsRunning: { source: number; target: number };
  /** Key ranges per table copied at once. */
  concurrency: number;
  /** Before each slice: waits while paused; throws the stream's failure. */
  beforeSlice(): Promise<void>;
  /** When the copy began (an earlier run's, after continue-as-new). */
  startedAt: number;
  /** Key ranges an earlier run planned: their progress rows on the target are per range. */
  plans: Record<string, CopyRange[]>;
  /** Each range's last slice in an earlier run (null: none): a finished range is not copied again. */
  lastSlices: Record<string, Array<CopySliceResult | null>>;
  /** True when this run's history is long enough to continue as new: no further slice starts. */
  handOverDue(): boolean;
}

export interface CopyOutcome {
  /** Every table copied; false: handed over (slices in flight finished) for a new run to continue. */
  done: boolean;
  seconds: number;
  plans: Record<string, CopyRange[]>;
  lastSlices: Record<string, Array<CopySliceResult | null>>;
}

/**
 * Rows a table has to copy, by its plan's counts (absent in plans from before they counted): a
 * range's count until it is done (or has copied more), then what it copied.
 */
function countedRows(plan: CopyRange[] | undefined, ranges: Array<CopySliceResult | null>): number | undefined {
  if (!plan?.every((range) => range.rows !== undefined)) return undefined;
  return plan.reduce((sum, range, i) => {
    const slice = ranges[i];
    return sum + (slice?.done ? slice.rowsCopied : Math.max(range.rows!, slice?.rowsCopied ?? 0));
  }, 0);
}

/** Copies every table, or stops between slices when a new run should continue it. */
export async function copyTables(ctx: CopyContext): Promise<CopyOutcome> {
  const { tables, status } = ctx;
  const started = ctx.startedAt;
  const plans = { ...ctx.plans };
  const lastSlices = { ...ctx.lastSlices };
  // Moves started before parallel copies existed (or with concurrency 1) copy each table whole.
  const parallel = ctx.concurrency > 1 && patched('parallel-copy');
  // Each run copies at least one slice before it hands over: however low the limit, moves progress.
  let slices = 0;
  const handOverDue = () => slices > 0 && ctx.handOverDue();

  function report(table: string, ranges: Array<CopySliceResult | null>): void {
    // The walk counted the rows: a truer total than the server's estimate (a sample, or cached for a day).
    const counted = countedRows(plans[table], ranges);
    if (counted !== undefined)
      status.tables[table] = { rowsCopied: 0, done: false, ...status.tables[table], estimatedRows: counted };
    // Each range's first slice reports its total so far (an earlier run's included): until all have, the last figures stand.
    if (ranges.every((r) => r !== null)) {
      const reported = ranges as CopySliceResult[];
      const rowsCopied = reported.reduce((sum, r) => sum + r.rowsCopied, 0);
      const done = reported.every((r) => r.done);
      // A copied table's total is what it copied: the estimate stood in only until then.
      const estimatedRows = done
        ? rowsCopied
        : (counted ?? Math.max(rowsCopied, ...reported.map((r) => r.estimatedRows)));
      status.tables[table] = { rowsCopied, estimatedRows, done };
    }
    status.rowsCopied = Object.values(status.tables).reduce((sum, t) => sum + t.rowsCopied, 0);
    status.estimatedRows = Object.values(status.tables).reduce((sum, t) => sum + t.estimatedRows, 0);
    // One definition of the copy rate: rows copied per second of copy so far, as in the result.
    status.rowsPerSecond = Math.round(status.rowsCopied / Math.max((Date.now() - started) / 1_000, 0.001));
    status.etaSeconds =
      status.rowsPerSecond > 0
        ? Math.max(0, Math.round((status.estimatedRows - status.rowsCopied) / status.rowsPerSecond))
        : undefined;
  }

  async function copyRange(
    table: string,
    range: CopyRange | undefined,
    of: number,
    results: Array<CopySliceResult | null>,
  ) {
    const name = `${tables.database}.${table}${range ? ` range ${range.index + 1}/${of}` : ''}`;
    if (results[range?.index ?? 0]?.done) return;
    // A slice that keeps failing shows in status with its cause (moves from before retry unseen).
    const reported = patched('copy-failures-in-status');
    let failures = 0;
    for (;;) {
      await ctx.beforeSlice();
      if (handOverDue()) return;
      const chunkSize = status.chunkSize;
      const slice = await summarized(
        reported ? copy.reported.copyRows : copy.copyRows,
        `copy ${name}: chunks of ${chunkSize} rows`,
        {
          source: tables.source,
          target: tables.target,
          database: tables.database,
          targetDatabase: tables.targetDatabase,
          table,
          streamId: tables.streamId,
          chunkSize,
          maxSliceMs: COPY_SLICE_MS,
          maxThreadsRunning: ctx.maxThreadsRunning,
          ...(range ? { range } : {}),
        },
      ).catch((err: unknown) => {
        // A row the target refuses (RowRejected), or anything else no retry heals, ends the move with it.
        const inner = surfaced(err);
        if (!reported || (inner instanceof ApplicationFailure && inner.nonRetryable)) throw inner;
        failures++;
        status.lastError = `the copy of ${name} failed ${failures} time(s) (3 attempts each) and is tried again: ${errorMessage(err)}`;
        return undefined;
      });
      slices++;
      if (!slice) {
        const delay = Math.min(FIRST_RETRY_MS * 2 ** (failures - 1), MAX_RETRY_MS);
        await condition(() => status.chunkSize !== chunkSize, delay);
        continue;
      }
      if (failures) {
        failures = 0;
        status.lastError = undefined;
      }
      results[range?.index ?? 0] = slice;
      report(table, results);
      if (slice.done) return;
    }
  }

  const outcome = (done: boolean): CopyOutcome => ({
    done,
    seconds: (Date.now() - started) / 1_000,
    plans,
    lastSlices,
  });
  for (const table of tables.tables) {
    if (status.tables[table]?.done) continue;
    if (handOverDue()) return outcome(false);
    if (parallel && !plans[table])
      plans[table] = await summarized(
        copy.planCopyRanges,
        `plan up to ${ctx.concurrency} key ranges of ${tables.database}.${table}`,
        { source: tables.source, database: tables.database, table, ranges: ctx.concurrency },
      );
    const ranges: Array<CopyRange | undefined> = plans[table] ?? [undefined];
    const results = (lastSlices[table] ??= ranges.map(() => null));
    report(table, results);
    await Promise.all(ranges.map((range) => copyRange(table, range, ranges.length, results)));
    if (!status.tables[table]?.done) return outcome(false);
  }
  return outcome(true);
}
