// For other services' workflows: start a move as a child workflow. Import this module (and only
// types from the rest), so the parent's workflow bundle does not carry move-tables' workflow code.
//
// Parent-close behaviour (default REQUEST_CANCEL): when the parent is cancelled, terminated or
// times out, the move is asked to cancel. Before T1 it stops its copy and stream and ends
// cancelled, leaving the target table as it is; from T1 on the cutover finishes T1, then its
// compensation renames the source tables back. TERMINATE would kill the move wherever it stands
// (a cutover between T1 and T4 would leave the source tables renamed); ABANDON lets it run on.
import {
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  startChild,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import { TASK_QUEUE, type MoveTablesInput } from '../contract/move.js';
import { moveSummary } from '../contract/move-details.js';
import { moveWorkflowId } from '../contract/tables.js';
import type { moveTables } from './move-tables.js';

export type { MoveStatus, MoveTablesInput, MoveTablesResult, MovePhase, VerifyMode } from '../contract/move.js';
export type { MoveCutOverNotice } from '../contract/definitions.js';
export type { CutOverResult, CutOverStatus } from '../contract/cutover.js';
export {
  completeMoveSignal,
  moveCutOverSignal,
  revertCutOverSignal,
  moveStatusQuery,
  pauseSignal,
  releaseCutOverSignal,
  resumeSignal,
  setChunkSizeSignal,
} from '../contract/definitions.js';
export { moveWorkflowId };

export const MOVE_TABLES_WORKFLOW_TYPE = 'moveTables';
export const MOVE_TABLES_TASK_QUEUE = TASK_QUEUE;

export interface MoveChildOptions {
  parentClosePolicy?: ParentClosePolicy;
  /** The move-tables workers' task queue, when not the default. */
  taskQueue?: string;
}

/** Starts `moveTables` as a child under its derived workflow id; await `.result()` for the outcome. */
export function startMoveChild(
  input: MoveTablesInput,
  options: MoveChildOptions = {},
): Promise<ChildWorkflowHandle<typeof moveTables>> {
  return startChild<typeof moveTables>(MOVE_TABLES_WORKFLOW_TYPE, {
    taskQueue: options.taskQueue ?? MOVE_TABLES_TASK_QUEUE,
    workflowId: moveWorkflowId(input),
    args: [input],
    staticSummary: moveSummary(input),
    parentClosePolicy: options.parentClosePolicy ?? ParentClosePolicy.REQUEST_CANCEL,
    cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
}
