// Most integration tests are about what comes before and at the cutover, and await the move's
// result: they run one-way moves (`reversible: false`), which end at their cutover. A reversible
// move (the default) stays open after it; reversible.test.ts, operators.test.ts and
// child-workflow.test.ts run those.
import type { Client } from '@temporalio/client';
import { startMove } from '../../client/moves.js';
import type { MoveTablesInput } from '../../contract/move.js';

export function startOneWayMove(client: Client, input: MoveTablesInput, taskQueue?: string) {
  return startMove(client, { reversible: false, ...input }, taskQueue);
}
