// A move's default verification (`verify: "after-release"`): checksums of the frozen source against
// the target once the cutover is complete. The target then takes the application's writes, so a
// difference is reported with its keys (re-read row by row), never turned into a failed move.
import type { VerifyReport } from '../contract/activities.js';
import { oldTableName } from '../contract/identifiers.js';
import type { MovePhase, MoveStatus } from '../contract/move.js';
import type { MovedTables } from '../contract/tables.js';
import { moveSteps, summarized } from './activity-shapes.js';

export async function verifyAfterRelease(
  tables: MovedTables,
  status: MoveStatus,
  phase: (next: MovePhase) => void,
  chunkSize: number,
): Promise<VerifyReport> {
  phase('verify');
  const verify = await summarized(
    moveSteps.verify.verifyTables,
    `verify: checksums of ${tables.tables.length} table(s), chunks of ${chunkSize} rows`,
    {
      source: tables.source,
      target: tables.target,
      database: tables.database,
      targetDatabase: tables.targetDatabase,
      tables: tables.tables.map((t) => ({ sourceTable: oldTableName(t, tables.oldTableTemplate), targetTable: t })),
      chunkSize,
      listDifferingKeys: true,
    },
  );
  if (verify.ok) return verify;
  status.lastError = `verification after release found differences in ${verify.tables
    .filter((t) => t.mismatchedChunks > 0)
    .map((t) => `${t.table} (${t.mismatches.flatMap((m) => m.differingKeys ?? []).length} keys listed)`)
    .join(
      ', ',
    )}: rows the application changed on the target since release differ too; compare the listed keys, or use verify "before-release" for exact parity`;
  return { ...verify, afterRelease: true };
}
