import { Context } from '@temporalio/activity';

/**
 * Heartbeats every second while `work` runs, so a worker lost in the middle of a long single step
 * (a hook, a RENAME waiting for its lock) is noticed within the heartbeat timeout.
 */
export async function whileHeartbeating<T>(work: Promise<T>): Promise<T> {
  const ctx = Context.current();
  const timer = setInterval(() => ctx.heartbeat(), 1_000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
