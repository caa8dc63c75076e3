import type { ApplicationFailure } from '@temporalio/workflow';
import type { VerifyReport } from '../contract/activities.js';
import { failure } from '../contract/failures.js';

/** A failed checksum verification as a typed error listing the mismatched key ranges. */
export function verificationFailure(report: VerifyReport): ApplicationFailure {
  const lines = report.tables
    .filter((t) => t.mismatchedChunks > 0)
    .map((t) => {
      const ranges = t.mismatches.map(
        (m) =>
          `(${JSON.stringify(m.afterKey)}, ${JSON.stringify(m.upToKey)}] source ${m.sourceRows} rows / target ${m.targetRows}` +
          (m.differingKeys?.length ? `, differing keys ${JSON.stringify(m.differingKeys)}` : ''),
      );
      return `${t.table}: ${t.mismatchedChunks} of ${t.chunks} chunks differ: ${ranges.join('; ')}`;
    });
  return failure('VerificationFailed', `checksum verification found differences: ${lines.join(' | ')}`, { ...report });
}
