// Checksum parity between the frozen source tables (`_t_del`) and the target, chunk by chunk in
// row-key order (chunk-compare.ts); a chunk that differs is reported with its key range so an
// operator can look at exactly those rows.
import { Context } from '@temporalio/activity';
import type { VerifyInput, VerifyReport, VerifyTableReport } from '../../contract/activities.js';
import type { Clusters } from '../clusters.js';
import type { Key } from '../copy/keyset.js';
import { compareChunk, comparedTable } from './chunk-compare.js';

/** Most mismatched ranges listed per table; the count is always exact. */
export const MAX_LISTED_MISMATCHES = 50;

async function verifyTable(
  clusters: Clusters,
  input: VerifyInput,
  pair: VerifyInput['tables'][number],
  progress: () => void,
): Promise<VerifyTableReport> {
  const t = await comparedTable(
    { source: clusters.pool(input.source), target: clusters.pool(input.target) },
    { ...input, ...pair },
    clusters.describe(input.source),
  );
  const report: VerifyTableReport = {
    table: pair.targetTable,
    sourceTable: pair.sourceTable,
    sourceRows: 0,
    targetRows: 0,
    chunks: 0,
    mismatchedChunks: 0,
    mismatches: [],
  };
  let from: Key | null = null;
  for (;;) {
    // Keys are listed only for the ranges that are listed.
    const listKeys = Boolean(input.listDifferingKeys) && report.mismatches.length < MAX_LISTED_MISMATCHES;
    const chunk = await compareChunk(t, from, null, input.chunkSize, listKeys);
    report.chunks++;
    report.sourceRows += chunk.sourceRows;
    report.targetRows += chunk.targetRows;
    if (chunk.differs) {
      report.mismatchedChunks++;
      if (report.mismatches.length < MAX_LISTED_MISMATCHES)
        report.mismatches.push({
          afterKey: from,
          upToKey: chunk.to,
          sourceRows: chunk.sourceRows,
          targetRows: chunk.targetRows,
          ...(chunk.differingKeys ? { differingKeys: chunk.differingKeys } : {}),
        });
    }
    progress();
    if (chunk.last) return report;
    from = chunk.to;
  }
}

/** Activity `verifyTables`. */
export async function verifyTables(clusters: Clusters, input: VerifyInput): Promise<VerifyReport> {
  const ctx = Context.current();
  const started = Date.now();
  const tables: VerifyTableReport[] = [];
  for (const pair of input.tables) {
    tables.push(await verifyTable(clusters, input, pair, () => ctx.heartbeat({ table: pair.targetTable })));
  }
  return { ok: tables.every((t) => t.mismatchedChunks === 0), tables, durationMs: Date.now() - started };
}
