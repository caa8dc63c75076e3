// The tables of a move as input names them, and the rules that validate them: pure, so a bad input
// fails the workflow at once with a non-retryable InvalidInput error, before any activity (or
// change) runs.
import type { RenamePlan } from './activities.js';
import { CLUSTER_NAME_PATTERN } from './clusters.js';
import { failure } from './failures.js';
import {
  DEFAULT_OLD_TABLE_TEMPLATE,
  identifierProblem,
  oldTableName,
  shorteningTemplate,
  templateHasTable,
} from './identifiers.js';

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

/** Longest stream id: the key of its state row on the target. */
const MAX_STREAM_ID_LENGTH = 191;

/**
 * A name as a part of a stream id: `/`, `,`, `%` and anything beyond plain letters, digits, `_`,
 * `$`, `-` and `.` percent-encoded (UTF-8), so two different table lists never share an id and
 * plain names read as they are (the ids of moves started before any other name was allowed).
 */
function idPart(name: string): string {
  return name.replace(/[^A-Za-z0-9_$.-]/gu, (c) => {
    // A lone surrogate has no UTF-8 form: its code unit stands in (the name is refused later anyway).
    const lone = c.length === 1 && c >= '\uD800' && c <= '\uDFFF';
    const encoded = lone ? `%u${c.charCodeAt(0).toString(16).toUpperCase()}` : encodeURIComponent(c);
    return encoded === c ? `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}` : encoded;
  });
}

/** 64-bit FNV-1a (as two 32-bit halves) in hex: a short, deterministic digest a workflow may compute. */
export function digest(text: string): string {
  let a = 0x811c9dc5;
  let b = 0xcbf29ce4;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 16777619) >>> 0;
    b = Math.imul(b ^ c ^ (a >>> 16), 16777619) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

export function streamIdFor(source: string, database: string, tables: string[]): string {
  const id = `${source}/${idPart(database)}/${[...tables].sort().map(idPart).join(',')}`;
  if (id.length <= MAX_STREAM_ID_LENGTH) return id;
  // Too long for the state row's key: a readable head and a digest of the whole id.
  return `${id.slice(0, MAX_STREAM_ID_LENGTH - 17)}~${digest(id)}`;
}

/**
 * The same tables the other way: from the target (its database, the moved names) to the source's
 * renamed tables, the stream's state on the source under the target's stream id.
 */
export function reversed(tables: MovedTables): MovedTables {
  return {
    source: tables.target,
    target: tables.source,
    database: tables.targetDatabase,
    targetDatabase: tables.database,
    tables: tables.tables,
    oldTableTemplate: tables.oldTableTemplate,
    streamId: streamIdFor(tables.target, tables.targetDatabase, tables.tables),
  };
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
  if (typeof template !== 'string' || !templateHasTable(template))
    invalid('"oldTableTemplate" must contain {table} (or {table:N}, the first N characters of the name)');
  if (new Set(input.tables).size !== input.tables.length) invalid('"tables" lists a table twice');
  const oldNames = new Set<string>();
  for (const table of input.tables) {
    const problem = identifierProblem(table);
    if (problem) invalid(`table ${JSON.stringify(table)} ${problem}`);
    const old = oldTableName(table, template);
    const oldProblem = identifierProblem(old);
    if (oldProblem) {
      const hint =
        old.length > table.length ? `; set "oldTableTemplate" to ${JSON.stringify(shorteningTemplate(template))}` : '';
      invalid(
        `old table name ${JSON.stringify(old)} (the name ${JSON.stringify(table)} takes at the cutover, from "oldTableTemplate" ${JSON.stringify(template)}) ${oldProblem}${hint}`,
      );
    }
    if (input.tables.includes(old)) invalid(`old table name ${JSON.stringify(old)} collides with a moved table`);
    if (oldNames.has(old))
      invalid(
        `two tables would take the same old name ${JSON.stringify(old)}: choose an "oldTableTemplate" that keeps them apart`,
      );
    oldNames.add(old);
  }
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

/**
 * What T1, its inspection and the compensation act on; `tag` marks the statements (a workflow id),
 * `fence` makes a RENAME sent after its outcome was settled fail (RenamePlan).
 */
export function renamePlanFor(
  tables: MovedTables,
  lockWaitTimeoutSeconds: number,
  tag: string,
  fence?: Pick<RenamePlan, 'fence' | 'settles'>,
): RenamePlan {
  return {
    source: tables.source,
    database: tables.database,
    tables: tables.tables,
    oldTableTemplate: tables.oldTableTemplate,
    lockWaitTimeoutSeconds,
    tag,
    ...fence,
  };
}
