// Failure plumbing for workflows: surface an activity's or child's own typed error, and tell
// cancellation apart from failure.
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TimeoutFailure } from '@temporalio/workflow';

/**
 * The typed ApplicationFailure inside ActivityFailure/ChildWorkflowFailure wrappers, however deeply
 * nested (a child workflow that failed on its activity's error wraps it twice), else the error.
 */
export function surfaced(err: unknown): unknown {
  let inner = err;
  while (inner instanceof ActivityFailure || inner instanceof ChildWorkflowFailure) {
    if (inner.cause instanceof ApplicationFailure) return inner.cause;
    if (!(inner.cause instanceof ActivityFailure || inner.cause instanceof ChildWorkflowFailure)) return inner;
    inner = inner.cause;
  }
  return inner;
}

export function errorMessage(err: unknown): string {
  const inner = surfaced(err);
  return inner instanceof Error ? inner.message : String(inner);
}

/** The heartbeat details an activity attempt reported last, when it failed by timing out. */
export function lastHeartbeatOf<T>(err: unknown): T | undefined {
  if (err instanceof ActivityFailure && err.cause instanceof TimeoutFailure)
    return err.cause.lastHeartbeatDetails as T | undefined;
  return undefined;
}
