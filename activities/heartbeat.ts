import { Context } from '@temporalio/activity';

/**
 * Heartbeats every second while `work` runs, so a worker lost in the middle of a long single step
 * (a hook, a RENAME waiting for its lock) is noticed within the heartbeat timeout. `details` are
 * repeated with each heartbeat (Temporal keeps the last ones a timed-out attempt sent).
 */
export async function whileHeartbeating<T>(work: Promise<T>, details?: unknown): Promise<T> {
  const ctx = Context.current();
  const timer = setInterval(() => ctx.heartbeat(details), 1_000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
