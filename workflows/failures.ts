// Failure plumbing for workflows: surface an activity's or child's own typed error, and tell
// cancellation apart from failure.
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure } from '@temporalio/workflow';

/** The typed ApplicationFailure inside an ActivityFailure/ChildWorkflowFailure, else the error. */
export function surfaced(err: unknown): unknown {
  if (
    (err instanceof ActivityFailure || err instanceof ChildWorkflowFailure) &&
    err.cause instanceof ApplicationFailure
  )
    return err.cause;
  return err;
}

export function errorMessage(err: unknown): string {
  const inner = surfaced(err);
  return inner instanceof Error ? inner.message : String(inner);
}
