// The tests' one vocabulary for waiting and for reading failures: `eventually` polls until a probe
// yields a value, `failureOf` gives a failed workflow's typed cause as `Type: message`.
import { WorkflowFailedError } from '@temporalio/client';
import { moveStatusQuery } from '../../contract/definitions.js';
import type { MoveStatus } from '../../contract/move.js';

export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns something other than `undefined`; a probe that throws counts as
 * "not yet". On timeout fails naming `what` and the last value or error seen.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 100 }: EventuallyOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const seen = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? '' : `; last: ${seen}`}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Waits until a queried status satisfies `predicate`; returns that status. */
export async function statusReaches<S>(
  what: string,
  query: () => Promise<S>,
  predicate: (status: S) => boolean,
  options?: EventuallyOptions,
): Promise<S> {
  return eventually(
    what,
    async () => {
      const status = await query();
      if (predicate(status)) return status;
      throw new Error(`status ${JSON.stringify(status)}`);
    },
    options,
  );
}

/** `Type: message` of the typed failure that ended a workflow; fails the test if it succeeded. */
export async function failureOf(outcome: Promise<unknown>): Promise<string> {
  const err = await outcome.then(
    () => {
      throw new Error('expected the workflow to fail');
    },
    (e: unknown) => e,
  );
  if (!(err instanceof WorkflowFailedError)) throw err;
  const cause = err.cause as (Error & { type?: string }) | undefined;
  return `${cause?.type ?? ''}: ${cause?.message ?? String(err)}`;
}

/** Waits until a move's `status` satisfies `predicate` (90 s: moves on a busy 2-core machine). */
export function moveReaches(
  handle: { query: (query: typeof moveStatusQuery) => Promise<MoveStatus> },
  what: string,
  predicate: (status: MoveStatus) => boolean,
): Promise<MoveStatus> {
  return statusReaches(what, () => handle.query(moveStatusQuery), predicate, { timeoutMs: 90_000 });
}
