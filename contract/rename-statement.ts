// The one RENAME TABLE statement of T1 (and its reverse, the compensation): built here so the
// activity runs exactly what the workflow's timeline summary shows.
import type { RenamePlan } from './activities.js';
import { oldTableName, qualified } from './identifiers.js';
import { digest } from './tables.js';

export type RenameDirection = 'forward' | 'back';

/** The tag comment: workflow ids may hold any character, the comment only safe ones. */
export function renameTag(plan: Pick<RenamePlan, 'tag'>, direction: RenameDirection): string {
  return `/* move-tables:${plan.tag.replace(/[^A-Za-z0-9_.:-]/g, '_')}:${direction} */`;
}

/** Each moved table and the name T1 gives it. */
export function renamePairs(
  plan: Pick<RenamePlan, 'tables' | 'oldTableTemplate'>,
): Array<{ from: string; to: string }> {
  return plan.tables.map((table) => ({ from: table, to: oldTableName(table, plan.oldTableTemplate) }));
}

/**
 * A fence's tables in the moved tables' database: the fence table each RENAME of the fence also
 * renames, and the claim it renames it to (one per direction). A claim that exists, made by that
 * RENAME or by whoever settled its outcome without it, makes any later RENAME of the fence fail.
 */
export function fenceTables(fence: string): { fence: string; claim: Record<RenameDirection, string> } {
  const base = `_mt_fence_${digest(fence)}`;
  return { fence: base, claim: { forward: `${base}_fwd`, back: `${base}_back` } };
}

/**
 * `RENAME TABLE a TO _a_del, b TO _b_del` (without the tag), all tables in one atomic statement; with
 * a fence, its fence table renamed to the direction's claim in the same statement.
 */
export function renameClause(
  plan: Pick<RenamePlan, 'database' | 'tables' | 'oldTableTemplate' | 'fence'>,
  direction: RenameDirection,
): string {
  const list = renamePairs(plan).map(({ from, to }) =>
    direction === 'forward'
      ? `${qualified(plan.database, from)} TO ${qualified(plan.database, to)}`
      : `${qualified(plan.database, to)} TO ${qualified(plan.database, from)}`,
  );
  if (plan.fence !== undefined) {
    const tables = fenceTables(plan.fence);
    list.push(`${qualified(plan.database, tables.fence)} TO ${qualified(plan.database, tables.claim[direction])}`);
  }
  return `RENAME TABLE ${list.join(', ')}`;
}

export function renameStatement(plan: RenamePlan, direction: RenameDirection): string {
  return `${renameTag(plan, direction)} ${renameClause(plan, direction)}`;
}
