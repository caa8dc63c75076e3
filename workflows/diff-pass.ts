// One pass of the comparison at one source position (activity diffTables), slice after slice until
// nothing of its ranges is left, with its progress in the move's status: what the verification
// before the cutover and an operator's `verifyMove` share.
import type { DiffDifference, DiffInput, DiffRange, VerifyTableReport } from '../contract/activities.js';
import { oldTableName } from '../contract/identifiers.js';
import type { MoveStatus, VerificationStatus } from '../contract/move.js';
import { reversed, type MovedTables } from '../contract/tables.js';
import { diffStep, summarized } from './activity-shapes.js';

/** Keys listed per table in the status and a hold's reason. */
const MAX_LISTED_KEYS = 50;

export type DiffSides = Pick<DiffInput, 'live' | 'copy' | 'tables' | 'streamId'>;

/** Before the cutover: the source's tables against their copies, kept by the move's stream. */
export function forwardSides(tables: MovedTables): DiffSides {
  return {
    live: { cluster: tables.source, database: tables.database },
    copy: { cluster: tables.target, database: tables.targetDatabase },
    tables: tables.tables.map((t) => ({ live: t, copy: t })),
    streamId: tables.streamId,
  };
}

/** After a reversible cutover: the live side's tables against the standby side's renamed ones. */
export function standbySides(tables: MovedTables, live: 'source' | 'target'): DiffSides {
  const standby = live === 'target' ? reversed(tables) : tables;
  return {
    live: { cluster: standby.source, database: standby.database },
    copy: { cluster: standby.target, database: standby.targetDatabase },
    tables: standby.tables.map((t) => ({ live: t, copy: oldTableName(t, standby.oldTableTemplate) })),
    streamId: standby.streamId,
  };
}

export function wholeTables(sides: DiffSides): DiffRange[] {
  return sides.tables.map((t) => ({ table: t.copy, after: null, upTo: null }));
}

export function startVerification(
  status: MoveStatus,
  trigger: VerificationStatus['trigger'],
  sides: DiffSides,
  requestId?: string,
): VerificationStatus {
  const verification: VerificationStatus = {
    trigger,
    direction: `${sides.live.cluster} → ${sides.copy.cluster}`,
    ...(requestId === undefined ? {} : { requestId }),
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
  return verification;
}

export interface DiffPassOptions {
  chunkSize: number;
  maxSnapshotSeconds: number;
  /** Before each slice: throws to stop the pass (a failed stream). */
  beforeSlice(): void;
}

export interface DiffPassResult {
  found: DiffDifference[];
  /** Tables with more differences than were listed: a re-check compares them whole. */
  unlisted: string[];
  /** Per table (the copy's name): what the pass compared and found. */
  reports: VerifyTableReport[];
}

/** Compares `ranges` to the end; an activity failure is thrown to the caller. */
export async function diffPass(
  sides: DiffSides,
  ranges: DiffRange[],
  verification: VerificationStatus,
  options: DiffPassOptions,
): Promise<DiffPassResult> {
  const { diffTables } = diffStep(options.maxSnapshotSeconds);
  const started = Date.now();
  const found: DiffDifference[] = [];
  const unlisted = new Set<string>();
  const reports = new Map<string, VerifyTableReport>();
  let left = ranges;
  while (left.length > 0) {
    options.beforeSlice();
    const slice = await summarized(
      diffTables,
      `verify: compare ${left.length} key range(s) ${verification.direction} at one source position, chunks of ${options.chunkSize} rows`,
      { ...sides, chunkSize: options.chunkSize, maxSnapshotSeconds: options.maxSnapshotSeconds, ranges: left },
    );
    left = slice.ranges;
    verification.snapshots++;
    verification.position = slice.position;
    verification.resumedChunks += slice.resumedAfterChunks;
    for (const [table, counts] of Object.entries(slice.compared)) {
      const report = reports.get(table) ?? {
        table,
        sourceTable: sides.tables.find((t) => t.copy === table)?.live ?? table,
        sourceRows: 0,
        targetRows: 0,
        chunks: 0,
        mismatchedChunks: 0,
        mismatches: [],
      };
      reports.set(table, report);
      report.sourceRows += counts.liveRows;
      report.targetRows += counts.copyRows;
      report.chunks += counts.chunks;
      verification.rowsCompared += counts.liveRows;
    }
    found.push(...slice.differences);
    for (const table of slice.unlisted) unlisted.add(table);
    const seconds = Math.max((Date.now() - started) / 1_000, 0.001);
    verification.rowsPerSecond = Math.round(verification.rowsCompared / seconds);
    verification.etaSeconds =
      verification.pass === 1 && verification.rowsPerSecond > 0
        ? Math.max(0, Math.round((verification.estimatedRows - verification.rowsCompared) / verification.rowsPerSecond))
        : 0;
  }
  // What the pass found, in the status and per table.
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
  verification.state = found.length === 0 && unlisted.size === 0 ? 'equal' : 'differs';
  verification.etaSeconds = 0;
  return { found, unlisted: [...unlisted], reports: [...reports.values()] };
}

/** What differed, again: a table with more differences than were listed, whole. */
export function rangesToRecheck(pass: DiffPassResult): DiffRange[] {
  return [
    ...pass.unlisted.map((table) => ({ table, after: null, upTo: null })),
    ...pass.found
      .filter((d) => !pass.unlisted.includes(d.table))
      .map(({ table, after, upTo }) => ({ table, after, upTo })),
  ];
}

/** Per table, its differing chunks and first keys: what a hold or an on-demand result says. */
export function differencesText(differences: VerificationStatus['differences']): string {
  return Object.entries(differences)
    .map(([table, d]) => `${table}: ${d.chunks} chunk(s) differ, keys ${JSON.stringify(d.keys)}`)
    .join('; ');
}
