// Typed helpers for starting and following moves from a Temporal client.
import {
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { moveSummary } from '../contract/move-details.js';
import { moveWorkflowId } from '../contract/tables.js';
import { moveTables } from '../workflows/move-tables.js';
import type { MoveTablesInput } from '../contract/move.js';
import { TASK_QUEUE } from '../contract/move.js';

/** A move of the same tables is already running. */
export class MoveAlreadyRunningError extends Error {
  override name = 'MoveAlreadyRunningError';
  constructor(readonly workflowId: string) {
    super(
      `a move of these tables is already running as workflow "${workflowId}": follow it (\`temporal workflow query --workflow-id '${workflowId}' --type status\`) or cancel it before starting another`,
    );
  }
}

/** Starts `moveTables` under its derived workflow id (`move:<source>/<database>/<tables>`). */
export async function startMove(
  client: Client,
  input: MoveTablesInput,
  taskQueue = TASK_QUEUE,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof moveTables>> {
  const workflowId = moveWorkflowId(input);
  try {
    // The UI's list and timeline show what moves where before the first state is read.
    return await client.workflow.start(moveTables, {
      taskQueue,
      workflowId,
      args: [input],
      staticSummary: moveSummary(input),
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new MoveAlreadyRunningError(workflowId);
    throw err;
  }
}
