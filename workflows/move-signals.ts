// What an operator (or a parent) can tell a running move, and what it has been told: the handlers
// are set when the move starts, before its first step, so no signal is lost.
import type { ChildWorkflowHandle } from '@temporalio/workflow';
import {
  completeMoveSignal,
  cutOverProgressSignal,
  moveStatusQuery,
  pauseSignal,
  releaseCutOverSignal,
  resumeSignal,
  retryCutOverSignal,
  revertCutOverSignal,
  setChunkSizeSignal,
  verifyMoveSignal,
  type CompleteMoveOptions,
  type RevertCutOverOptions,
  type VerifyMoveOptions,
} from '../contract/definitions.js';
import type { MoveStatus } from '../contract/move.js';
import type { cutOver } from './cutover.js';
import { setDescribedHandler } from './described-handler.js';

export interface MoveSignals {
  /** `releaseCutOver` received (or carried over from an earlier run of the move). */
  released: boolean;
  releaseRequests: number;
  retryRequests: number;
  completeRequested: boolean;
  /** `completeMove` asked to drop the standby side's renamed tables. */
  dropStandbyTables: boolean;
  revertRequests: number;
  /** The number of the last `revertCutOver` that asked to be postponed. */
  postponedRevertRequests: number;
  /** `verifyMove` requests, oldest first. */
  verifyRequests: VerifyMoveOptions[];
  /** The running cutover attempt: a release is passed on to it. */
  cutOverHandle?: ChildWorkflowHandle<typeof cutOver>;
}

/** Sets the move's query and signal handlers on `status`; returns what the signals said, as they arrive. */
export function handleMoveSignals(status: MoveStatus, released: boolean): MoveSignals {
  const said: MoveSignals = {
    released,
    releaseRequests: 0,
    retryRequests: 0,
    completeRequested: false,
    dropStandbyTables: false,
    revertRequests: 0,
    postponedRevertRequests: 0,
    verifyRequests: [],
  };
  setDescribedHandler(moveStatusQuery, () => status);
  setDescribedHandler(pauseSignal, () => {
    status.paused = true;
  });
  setDescribedHandler(resumeSignal, () => {
    status.paused = false;
  });
  setDescribedHandler(setChunkSizeSignal, (size) => {
    if (Number.isInteger(size) && size > 0) status.chunkSize = size;
  });
  setDescribedHandler(releaseCutOverSignal, () => {
    said.released = true;
    said.releaseRequests++;
    // An attempt that has ended (a reversible move's release after a revert) needs none.
    void said.cutOverHandle?.signal(releaseCutOverSignal).catch(() => undefined);
  });
  setDescribedHandler(retryCutOverSignal, () => {
    said.retryRequests++;
  });
  setDescribedHandler(completeMoveSignal, (options?: CompleteMoveOptions) => {
    said.completeRequested = true;
    if (options?.dropStandbyTables === true) said.dropStandbyTables = true;
  });
  setDescribedHandler(revertCutOverSignal, (options?: RevertCutOverOptions) => {
    said.revertRequests++;
    if (options?.postpone === true) said.postponedRevertRequests = said.revertRequests;
  });
  setDescribedHandler(verifyMoveSignal, (options?: VerifyMoveOptions) => {
    said.verifyRequests.push(typeof options?.requestId === 'string' ? { requestId: options.requestId } : {});
  });
  setDescribedHandler(cutOverProgressSignal, (progress) => {
    status.cutOver = progress;
  });
  return said;
}
