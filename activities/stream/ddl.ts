// Classifies the binlog's Query events for the stream: which DDL touches a moved table, and
// whether it is the cutover's own RENAME (or its compensation), which the stream must accept.

export interface WatchedTables {
  database: string;
  /** moved table → the name it takes at T1 */
  renames: ReadonlyMap<string, string>;
}

export type QueryKind =
  /** BEGIN, COMMIT, XA, SAVEPOINT...: transaction control, no schema change. */
  | { kind: 'control' }
  /** A statement that touches no moved table (or does not change its rows or shape). */
  | { kind: 'unrelated' }
  /** RENAME TABLE of exactly the moved tables to their old names, or back. */
  | { kind: 'cutover-rename'; direction: 'forward' | 'back' }
  /** Any other DDL on a moved table: the stream cannot follow it. */
  | { kind: 'unsupported'; tables: string[] }
  /**
   * A row change to a moved table binlogged as a statement (a session with binlog_format
   * STATEMENT or MIXED): the stream applies row images only and cannot apply it.
   */
  | { kind: 'statement-dml'; verb: string; tables: string[] };

const CONTROL = /^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE\s+SAVEPOINT|XA\s|START\s+TRANSACTION)\b/i;
/** A quoted name (any character, a backtick doubled) or an unquoted one (MySQL also allows U+0080-U+FFFF). */
const NAME = '(?:`(?:[^`]|``)+`|[\\w$\\u0080-\\uFFFF]+)';
const QUALIFIED = `${NAME}(?:\\s*\\.\\s*${NAME})?`;
const LIST = `${QUALIFIED}(?:\\s*,\\s*${QUALIFIED})*`;

/** Statement shapes whose object names are tables; each pattern captures the name list. */
const TABLE_STATEMENTS: RegExp[] = [
  new RegExp(`^ALTER\\s+(?:ONLINE\\s+)?(?:IGNORE\\s+)?TABLE\\s+(?:IF\\s+EXISTS\\s+)?(${QUALIFIED})`, 'i'),
  new RegExp(`^DROP\\s+(?:TEMPORARY\\s+)?TABLES?\\s+(?:IF\\s+EXISTS\\s+)?(${LIST})`, 'i'),
  new RegExp(`^TRUNCATE\\s+(?:TABLE\\s+)?(${QUALIFIED})`, 'i'),
  new RegExp(
    `^CREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:TEMPORARY\\s+)?TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?(${QUALIFIED})`,
    'i',
  ),
  new RegExp(
    `^(?:CREATE|DROP)\\s+(?:ONLINE\\s+)?(?:UNIQUE\\s+|FULLTEXT\\s+|SPATIAL\\s+)?INDEX\\s+(?:IF\\s+(?:NOT\\s+)?EXISTS\\s+)?${NAME}\\s+ON\\s+(${QUALIFIED})`,
    'i',
  ),
];
const RENAME = new RegExp(
  `^RENAME\\s+TABLES?\\s+(?:IF\\s+EXISTS\\s+)?(${QUALIFIED}\\s+TO\\s+${QUALIFIED}(?:\\s*,\\s*${QUALIFIED}\\s+TO\\s+${QUALIFIED})*)`,
  'i',
);

const RENAME_PAIR = new RegExp(`(${QUALIFIED})\\s+TO\\s+(${QUALIFIED})`, 'gi');

/**
 * Row-changing statements and the part of each that names the tables it writes: the target of
 * INSERT/REPLACE/LOAD DATA, the table references of UPDATE (up to SET) and DELETE (up to WHERE).
 */
const DML_TARGETS: Array<{ verb: string; pattern: RegExp }> = [
  {
    verb: 'INSERT',
    pattern: new RegExp(
      `^INSERT\\s+(?:(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY|IGNORE)\\s+)*(?:INTO\\s+)?(${QUALIFIED})`,
      'i',
    ),
  },
  {
    verb: 'REPLACE',
    pattern: new RegExp(`^REPLACE\\s+(?:(?:LOW_PRIORITY|DELAYED)\\s+)?(?:INTO\\s+)?(${QUALIFIED})`, 'i'),
  },
  { verb: 'LOAD DATA', pattern: new RegExp(`^LOAD\\s+(?:DATA|XML)\\b.*?\\bINTO\\s+TABLE\\s+(${QUALIFIED})`, 'i') },
  { verb: 'UPDATE', pattern: /^UPDATE\s+(.*?)\s+SET\s/i },
  { verb: 'DELETE', pattern: /^DELETE\s+(.*?)(?:\s+WHERE\s|$)/i },
];

function stripComments(query: string): string {
  return query
    .replace(/\/\*(?!!)[\s\S]*?\*\//g, ' ')
    .replace(/\/\*!\d*\s*([\s\S]*?)\*\//g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

function unquote(name: string): string {
  return name.startsWith('`') ? name.slice(1, -1).replaceAll('``', '`') : name;
}

/** `db.t`, `` `db`.`t` `` or `t` (resolved against the event's default schema). */
function resolve(name: string, defaultSchema: string): { database: string; table: string } {
  const parts = name.match(new RegExp(NAME, 'g'))!.map(unquote);
  return parts.length === 2 ? { database: parts[0]!, table: parts[1]! } : { database: defaultSchema, table: parts[0]! };
}

function splitList(list: string): string[] {
  return list.match(new RegExp(QUALIFIED, 'g')) ?? [];
}

export function classifyQuery(query: string, defaultSchema: string, moved: WatchedTables): QueryKind {
  const text = stripComments(query);
  if (CONTROL.test(text)) return { kind: 'control' };
  const oldNames = new Map([...moved.renames].map(([table, old]) => [old, table]));
  const isMovedOrOld = (ref: { database: string; table: string }) =>
    ref.database === moved.database && (moved.renames.has(ref.table) || oldNames.has(ref.table));

  const rename = RENAME.exec(text);
  if (rename) {
    const pairs = [...rename[1]!.matchAll(RENAME_PAIR)].map(
      (m) => [resolve(m[1]!, defaultSchema), resolve(m[2]!, defaultSchema)] as const,
    );
    const touched = pairs.filter(([from, to]) => isMovedOrOld(from) || isMovedOrOld(to));
    if (touched.length === 0) return { kind: 'unrelated' };
    const sameDb = touched.every(([from, to]) => from.database === moved.database && to.database === moved.database);
    const forward =
      sameDb &&
      touched.length === moved.renames.size &&
      touched.every(([from, to]) => moved.renames.get(from.table) === to.table);
    const back =
      sameDb &&
      touched.length === moved.renames.size &&
      touched.every(([from, to]) => oldNames.get(from.table) === to.table);
    if (forward) return { kind: 'cutover-rename', direction: 'forward' };
    if (back) return { kind: 'cutover-rename', direction: 'back' };
    return { kind: 'unsupported', tables: touched.map(([from]) => `${from.database}.${from.table}`) };
  }
  for (const { verb, pattern } of DML_TARGETS) {
    const match = pattern.exec(text);
    if (!match) continue;
    const tables = (match[1]!.match(new RegExp(QUALIFIED, 'g')) ?? [])
      .map((n) => resolve(n, defaultSchema))
      .filter(isMovedOrOld);
    return tables.length
      ? { kind: 'statement-dml', verb, tables: tables.map((t) => `${t.database}.${t.table}`) }
      : { kind: 'unrelated' };
  }
  for (const pattern of TABLE_STATEMENTS) {
    const match = pattern.exec(text);
    if (!match) continue;
    const tables = splitList(match[1]!)
      .map((n) => resolve(n, defaultSchema))
      .filter(isMovedOrOld);
    return tables.length
      ? { kind: 'unsupported', tables: tables.map((t) => `${t.database}.${t.table}`) }
      : { kind: 'unrelated' };
  }
  return { kind: 'unrelated' };
}
