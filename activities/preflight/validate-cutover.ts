// The cutover's pre-flight: everything that would make it fail half-way, checked before the first
// change, with an error that names the problem.
import type { MovedTables } from '../../contract/tables.js';
import { failure } from '../../contract/failures.js';
import type { Clusters } from '../clusters.js';
import { readStreamState } from '../target/stream-state.js';
import { readTargetTables } from '../table-info.js';
import { checkSourceTables } from './source-tables.js';

/** Activity `validateCutOver`. */
export async function validateCutOver(clusters: Clusters, tables: MovedTables): Promise<void> {
  await checkSourceTables(clusters, tables);
  const target = clusters.pool(tables.target);
  await readTargetTables(target, tables.targetDatabase, tables.tables);
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
