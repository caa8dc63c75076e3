// SQL identifiers from workflow input: validated, then quoted. Pure: the workflow validates its
// input with these rules before any activity runs, and the activities quote with them.
import { failure } from './failures.js';

/** Letters, digits, `_` and `$`, at most 64 characters: no quoting edge cases, no dots. */
const IDENTIFIER = /^[A-Za-z0-9_$]{1,64}$/;

/** Why `name` is not an acceptable database or table name, or undefined when it is. */
export function identifierProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'must be a non-empty string';
  if (name.length > 64) return `is ${name.length} characters long; MySQL allows at most 64`;
  if (!IDENTIFIER.test(name))
    return 'may hold only letters, digits, "_" and "$" (no backticks, quotes, dots or spaces)';
  if (/^\d+$/.test(name)) return 'must not consist of digits only';
  return undefined;
}

/** Backtick-quotes a validated identifier; throws on one that failed validation. */
export function quoteIdentifier(name: string): string {
  const problem = identifierProblem(name);
  if (problem) throw failure('InvalidInput', `identifier "${name}" ${problem}`);
  return `\`${name}\``;
}

export function qualified(database: string, table: string): string {
  return `${quoteIdentifier(database)}.${quoteIdentifier(table)}`;
}

export const DEFAULT_OLD_TABLE_TEMPLATE = '_{table}_del';

/** The name the source table gets at T1: the template with `{table}` replaced (gh-ost: `_t_del`). */
export function oldTableName(table: string, template = DEFAULT_OLD_TABLE_TEMPLATE): string {
  return template.replaceAll('{table}', table);
}
