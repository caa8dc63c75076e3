// The cutover's pre-flight: everything that would make it fail half-way, checked before the first
// change, with an error that names the problem.
import type { ValidateInput } from '../../contract/activities.js';
import { oldTableName } from '../../contract/identifiers.js';
import { failure } from '../../contract/failures.js';
import type { Clusters } from '../clusters.js';
import { readStreamState } from '../target/stream-state.js';
import { readTargetTables } from '../table-info.js';
import { checkSourceTables } from './source-tables.js';

/** Activity `validateCutOver`; `targetRenamed`: the target's tables wait under their old names. */
export async function validateCutOver(clusters: Clusters, input: ValidateInput): Promise<void> {
  const { targetRenamed, ...tables } = input;
  await checkSourceTables(clusters, tables);
  const target = clusters.pool(tables.target);
  await readTargetTables(
    target,
    tables.targetDatabase,
    targetRenamed ? tables.tables.map((t) => oldTableName(t, tables.oldTableTemplate)) : tables.tables,
  );
  const state = await readStreamState(target, tables.streamId);
  const where = clusters.describe(tables.target);
  if (!state) {
    throw failure(
      'StreamNotRegistered',
      `no stream "${tables.streamId}" is registered on ${where}: start the stream before the cutover, or nothing could drain`,
      { streamId: tables.streamId },
    );
  }
  if (state.cutOverComplete) {
    throw failure(
      'StreamNotRegistered',
      `stream "${tables.streamId}" has already completed its cutover (drain GTID ${state.drainGtid})`,
      {
        streamId: tables.streamId,
      },
    );
  }
}
