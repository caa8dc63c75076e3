// The tables of a move as input names them, and the rules that validate them: pure, so a bad input
// fails the workflow at once with a non-retryable InvalidInput error, before any activity (or
// change) runs.
import type { RenamePlan } from './activities.js';
import { CLUSTER_NAME_PATTERN } from './clusters.js';
import { failure } from './failures.js';
import { DEFAULT_OLD_TABLE_TEMPLATE, identifierProblem, oldTableName } from './identifiers.js';

/** The tables part of every workflow input, as a user writes it. */
export interface TablesInput {
  /** Cluster names, resolved by the worker. */
  source: string;
  target: string;
  database: string;
  /** Defaults to `database`. */
  targetDatabase?: string;
  tables: string[];
  /** Name for each table at T1, `{table}` replaced; default `_{table}_del` (gh-ost's). */
  oldTableTemplate?: string;
  /** State row of the stream on the target; default `<source>/<database>/<tables, sorted>`. */
  streamId?: string;
}

/** The tables of one move, validated and with every default filled in (`normalizeTables`). */
export interface MovedTables {
  /** Cluster names, resolved by the worker. */
  source: string;
  target: string;
  database: string;
  targetDatabase: string;
  tables: string[];
  /** Name the tables get at T1 (`{table}` is replaced): the stream accepts that RENAME. */
  oldTableTemplate: string;
  /** Identifies the stream's state row on the target; the cutover uses the same id. */
  streamId: string;
}

export function invalid(message: string): never {
  throw failure('InvalidInput', message);
}

export function streamIdFor(source: string, database: string, tables: string[]): string {
  return `${source}/${database}/${[...tables].sort().join(',')}`;
}

/** One move per source table set: its workflow id, derived so a second start collides. */
export function moveWorkflowId(input: TablesInput): string {
  return `move:${input.streamId ?? streamIdFor(input.source, input.database, input.tables)}`;
}

export function normalizeTables(input: TablesInput): MovedTables {
  if (typeof input !== 'object' || input === null) invalid('input must be an object');
  for (const key of ['source', 'target'] as const) {
    if (typeof input[key] !== 'string' || !CLUSTER_NAME_PATTERN.test(input[key])) {
      invalid(`"${key}" must be a cluster name matching ${CLUSTER_NAME_PATTERN}, got ${JSON.stringify(input[key])}`);
    }
  }
  const targetDatabase = input.targetDatabase ?? input.database;
  for (const [key, value] of [
    ['database', input.database],
    ['targetDatabase', targetDatabase],
  ] as const) {
    const problem = identifierProblem(value);
    if (problem) invalid(`"${key}" ${JSON.stringify(value)} ${problem}`);
  }
  if (!Array.isArray(input.tables) || input.tables.length === 0)
    invalid('"tables" must be a non-empty list of table names');
  const template = input.oldTableTemplate ?? DEFAULT_OLD_TABLE_TEMPLATE;
  if (typeof template !== 'string' || !template.includes('{table}')) invalid('"oldTableTemplate" must contain {table}');
  for (const table of input.tables) {
    const problem = identifierProblem(table);
    if (problem) invalid(`table ${JSON.stringify(table)} ${problem}`);
    const old = oldTableName(table, template);
    const oldProblem = identifierProblem(old);
    if (oldProblem) invalid(`old table name ${JSON.stringify(old)} (from "oldTableTemplate") ${oldProblem}`);
    if (input.tables.includes(old)) invalid(`old table name ${old} collides with a moved table`);
  }
  if (new Set(input.tables).size !== input.tables.length) invalid('"tables" lists a table twice');
  const streamId = input.streamId ?? streamIdFor(input.source, input.database, input.tables);
  if (typeof streamId !== 'string' || streamId.length === 0 || streamId.length > 191)
    invalid('"streamId" must be 1-191 characters');
  return {
    source: input.source,
    target: input.target,
    database: input.database,
    targetDatabase,
    tables: [...input.tables],
    oldTableTemplate: template,
    streamId,
  };
}

/** A positive number, or the default when absent. */
export function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    invalid(`"${name}" must be a positive number, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** What T1, its inspection and the compensation act on; `tag` marks the statements (a workflow id). */
export function renamePlanFor(tables: MovedTables, lockWaitTimeoutSeconds: number, tag: string): RenamePlan {
  return {
    source: tables.source,
    database: tables.database,
    tables: tables.tables,
    oldTableTemplate: tables.oldTableTemplate,
    lockWaitTimeoutSeconds,
    tag,
  };
}
