// The source-side fence of the cutover's RENAMEs. A RENAME whose worker went silent can still reach
// the server later: a connect that returned after the heartbeat timed out, a process paused and
// resumed. Killing its connection needs an id it may never have reported. So each RENAME of a fenced
// plan also renames the fence's table to its direction's claim, in the same atomic statement, and
// whoever settles the outcome without it (an inspection; a compensation with nothing to undo)
// creates that claim first. One of the two wins: a late RENAME finds the claim taken and fails as a
// whole, and the inspection reads names that can no longer change under it.
import type mysql from 'mysql2/promise';
import type { RenamePlan } from '../../contract/activities.js';
import { qualified } from '../../contract/identifiers.js';
import { fenceTables, type RenameDirection } from '../../contract/rename-statement.js';
import type { Clusters } from '../clusters.js';

const ER_TABLE_EXISTS = 1050;

const claimStatement = (database: string, fence: string, direction: RenameDirection) =>
  `CREATE TABLE IF NOT EXISTS ${qualified(database, fenceTables(fence).claim[direction])} (fence TINYINT)`;

/** Before the RENAME, on its session: the fence table it renames (another RENAME of this fence may have taken it). */
export async function placeFence(conn: mysql.Connection, plan: RenamePlan): Promise<void> {
  if (plan.fence === undefined) return;
  await conn.query(
    `CREATE TABLE IF NOT EXISTS ${qualified(plan.database, fenceTables(plan.fence).fence)} (fence TINYINT)`,
  );
}

/** Whether a RENAME failed because its claim was taken: it came after its outcome was settled. */
export function fenced(plan: RenamePlan, direction: RenameDirection, err: unknown): boolean {
  if (plan.fence === undefined) return false;
  const e = err as { errno?: number; sqlMessage?: string };
  return e.errno === ER_TABLE_EXISTS && (e.sqlMessage ?? '').includes(fenceTables(plan.fence).claim[direction]);
}

/**
 * Takes claims on a session of its own whose metadata-lock wait outlasts the RENAME's: a RENAME
 * executing holds the claim's name until it ends, and the claim must come after it, not fail.
 */
async function claim(clusters: Clusters, plan: RenamePlan, claims: Array<[string, RenameDirection]>): Promise<void> {
  if (claims.length === 0) return;
  const conn = await clusters.connect(plan.source);
  try {
    await conn.query('SET SESSION lock_wait_timeout = ?', [plan.lockWaitTimeoutSeconds + 30]);
    for (const [fence, direction] of claims) await conn.query(claimStatement(plan.database, fence, direction));
  } finally {
    await conn.end().catch(() => undefined);
  }
}

/** No RENAME of the plan's fence in `direction` may land from now on. */
export async function claimFence(clusters: Clusters, plan: RenamePlan, direction: RenameDirection): Promise<void> {
  await claim(clusters, plan, plan.fence === undefined ? [] : [[plan.fence, direction]]);
}

/** Before an inspection reads the source: the plan's own T1 settled, and earlier attempts' RENAMEs either way. */
export async function settleFences(clusters: Clusters, plan: RenamePlan): Promise<void> {
  await claim(clusters, plan, [
    ...(plan.fence === undefined ? [] : [[plan.fence, 'forward'] as [string, RenameDirection]]),
    ...(plan.settles ?? []).flatMap((fence): Array<[string, RenameDirection]> => [
      [fence, 'forward'],
      [fence, 'back'],
    ]),
  ]);
}
