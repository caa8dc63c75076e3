// SQL identifiers from workflow input: validated, then quoted. Pure: the workflow validates its
// input with these rules before any activity runs, and the activities quote with them. The rules
// are the server's own for quoted names, so any name MySQL or MariaDB accepts is accepted here.
import { failure } from './failures.js';

/** MySQL's longest database, table or column name, in characters. */
export const MAX_IDENTIFIER_LENGTH = 64;

/** Why `name` is not an acceptable database or table name, or undefined when it is. */
export function identifierProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'must be a non-empty string';
  // Quoted identifiers may hold any character of the Basic Multilingual Plane except U+0000.
  if (name.includes('\0')) return 'must not contain the NUL character';
  if (/[\uD800-\uDFFF]/.test(name))
    return 'holds a character outside the Basic Multilingual Plane (e.g. an emoji), which MySQL does not allow in names';
  if (name.length > MAX_IDENTIFIER_LENGTH)
    return `is ${name.length} characters long; MySQL allows at most ${MAX_IDENTIFIER_LENGTH}`;
  if (name.endsWith(' ')) return 'ends with a space, which MySQL does not allow in names';
  return undefined;
}

/** Backtick-quotes a name (a backtick inside is doubled); throws on one the server would refuse. */
export function quoteIdentifier(name: string): string {
  const problem = identifierProblem(name);
  if (problem) throw failure('InvalidInput', `identifier ${JSON.stringify(name)} ${problem}`);
  return `\`${name.replaceAll('`', '``')}\``;
}

export function qualified(database: string, table: string): string {
  return `${quoteIdentifier(database)}.${quoteIdentifier(table)}`;
}

export const DEFAULT_OLD_TABLE_TEMPLATE = '_{table}_del';

/** `{table}`, or `{table:N}`: the table name cut to its first N characters. */
const TABLE_PLACEHOLDER = /\{table(?::(\d+))?\}/g;

export function templateHasTable(template: string): boolean {
  return new RegExp(TABLE_PLACEHOLDER.source).test(template);
}

/**
 * The name the source table gets at T1: the template with `{table}` replaced (gh-ost: `_t_del`);
 * `{table:N}` keeps the first N characters, so a long name still fits in 64.
 */
export function oldTableName(table: string, template = DEFAULT_OLD_TABLE_TEMPLATE): string {
  return template.replace(TABLE_PLACEHOLDER, (_, length: string | undefined) =>
    length === undefined ? table : table.slice(0, Number(length)),
  );
}

/** `template` with its table placeholder cut so that any table's old name fits in 64 characters. */
export function shorteningTemplate(template: string): string {
  const fixed = template.replace(TABLE_PLACEHOLDER, '').length;
  const room = Math.max(1, MAX_IDENTIFIER_LENGTH - fixed);
  return template.replace(TABLE_PLACEHOLDER, `{table:${room}}`);
}
