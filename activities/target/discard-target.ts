// What an aborted move leaves on the target: nothing of its own. The tables it created are
// dropped, the ones it found empty are emptied again, and its stream state and copy progress are
// forgotten, so the next move of the same tables starts as the first did. Never once the cutover
// completed: the target then holds the application's data.
import type { DiscardTargetInput } from '../../contract/activities.js';
import { failure } from '../../contract/failures.js';
import { qualified } from '../../contract/identifiers.js';
import type { Clusters } from '../clusters.js';
import { resetMoveState } from './state-store.js';
import { readStreamState } from './stream-state.js';

/** Activity `discardTarget`. */
export async function discardTarget(clusters: Clusters, input: DiscardTargetInput): Promise<void> {
  const state = await readStreamState(clusters.pool(input.target), input.streamId);
  if (state?.cutOverComplete)
    throw failure(
      'CutOverFailed',
      `the cutover of ${input.streamId} completed (its flag is set on ${clusters.describe(input.target)}): the target tables hold the application's data and are kept`,
    );
  const writer = await clusters.connectTargetWriter(input.target);
  try {
    for (const table of input.created)
      await writer.query(`DROP TABLE IF EXISTS ${qualified(input.targetDatabase, table)}`);
    for (const table of input.emptied) await writer.query(`TRUNCATE TABLE ${qualified(input.targetDatabase, table)}`);
    await resetMoveState(writer, input.streamId);
  } finally {
    await writer.end().catch(() => undefined);
  }
}
