// The one RENAME TABLE statement of T1 (and its reverse, the compensation): built here so the
// activity runs exactly what the workflow's timeline summary shows.
import type { RenamePlan } from './activities.js';
import { oldTableName, qualified } from './identifiers.js';

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

/** `RENAME TABLE a TO _a_del, b TO _b_del` (without the tag), all tables in one atomic statement. */
export function renameClause(
  plan: Pick<RenamePlan, 'database' | 'tables' | 'oldTableTemplate'>,
  direction: RenameDirection,
): string {
  const list = renamePairs(plan).map(({ from, to }) =>
    direction === 'forward'
      ? `${qualified(plan.database, from)} TO ${qualified(plan.database, to)}`
      : `${qualified(plan.database, to)} TO ${qualified(plan.database, from)}`,
  );
  return `RENAME TABLE ${list.join(', ')}`;
}

export function renameStatement(plan: RenamePlan, direction: RenameDirection): string {
  return `${renameTag(plan, direction)} ${renameClause(plan, direction)}`;
}
