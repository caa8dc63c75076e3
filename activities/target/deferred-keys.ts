// The copy loads a table the move created without its plain secondary keys, which are then built in
// one ALTER per table, online, while the stream applies: an index maintained row by row through the
// load cost the target about a third of its CPU per row on a wide table (bench:copy), a sorted build
// afterwards far less (Vitess's --defer-secondary-keys, myloader's --innodb-optimize-keys).
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type mysql from 'mysql2/promise';
import type { AddDeferredKeysInput, DeferredKey } from '../../contract/activities.js';
import { qualified } from '../../contract/identifiers.js';
import type { Clusters, Queryable } from '../clusters.js';
import { createTableText } from '../table-info.js';

/** A plain secondary key's line in SHOW CREATE TABLE (unique, full-text and spatial keys start otherwise). */
const PLAIN_KEY = /^\s+KEY `((?:[^`]|``)+)` \(.*?,?$/;

/** Marks the ALTER in the server's process list, so a retry finds one a lost worker left running. */
const MARK = '/* move-tables: deferred keys */';

/**
 * The plain secondary keys of `createTable` (SHOW CREATE TABLE) that can be built later: those of an
 * InnoDB table (its ALTER runs online) without foreign keys (which need their index from the start).
 */
export function deferrableKeys(createTable: string): DeferredKey[] {
  if (!/\) ENGINE=InnoDB\b/.test(createTable) || /^\s+CONSTRAINT .* FOREIGN KEY /m.test(createTable)) return [];
  return createTable
    .split('\n')
    .map((line) => PLAIN_KEY.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ name: match[1]!.replaceAll('``', '`'), definition: match[0].trim().replace(/,$/, '') }));
}

/** Whether another table's foreign key references `database.table` (its keys may back that reference). */
async function referenced(source: Queryable, database: string, table: string): Promise<boolean> {
  const [rows] = await source.query<mysql.RowDataPacket[]>(
    `SELECT 1 FROM information_schema.KEY_COLUMN_USAGE
      WHERE REFERENCED_TABLE_SCHEMA = ? AND REFERENCED_TABLE_NAME = ? LIMIT 1`,
    [database, table],
  );
  return rows.length > 0;
}

/**
 * Drops the deferrable keys of a table prepare has just created (empty: instant), after the server
 * accepted the whole definition, so a key the target cannot build fails the move before its copy.
 * Returns them as the target wrote them, to be added after the copy.
 */
export async function deferKeys(
  target: mysql.Connection,
  source: Queryable,
  tables: { database: string; targetDatabase: string },
  table: string,
): Promise<DeferredKey[]> {
  if (await referenced(source, tables.database, table)) return [];
  const keys = deferrableKeys(await createTableText(target, tables.targetDatabase, table));
  if (keys.length)
    await target.query(
      `ALTER TABLE ${qualified(tables.targetDatabase, table)} ${keys.map((k) => `DROP KEY ${quoteKey(k)}`).join(', ')}`,
    );
  return keys;
}

/**
 * The keys of `table`, created by an earlier attempt of this prepare and stripped of them, found again:
 * the empty target table has every key of the source's but its deferrable ones, and none of those.
 */
export async function keysDeferredBefore(
  target: Queryable,
  source: Queryable,
  tables: { database: string; targetDatabase: string },
  table: string,
): Promise<DeferredKey[]> {
  const keys = deferrableKeys(await createTableText(source, tables.database, table));
  if (!keys.length || (await referenced(source, tables.database, table))) return [];
  const deferred = new Set(keys.map((k) => k.name));
  const kept = [...(await keyNames(source, tables.database, table))].filter((name) => !deferred.has(name));
  const onTarget = await keyNames(target, tables.targetDatabase, table);
  return onTarget.size === kept.length && kept.every((name) => onTarget.has(name)) ? keys : [];
}

/** How long a build's ALTER waits for the table's metadata lock before it gives way and tries again. */
const LOCK_WAIT_SECONDS = 5;
const LOCK_WAIT_TIMEOUT = 1205;

/** ER_ALTER_OPERATION_NOT_SUPPORTED(_REASON): the ALTER cannot run with LOCK=NONE. */
const ONLINE_NOT_SUPPORTED = [1845, 1846];

const quoteKey = (key: DeferredKey) => `\`${key.name.replaceAll('`', '``')}\``;

async function keyNames(conn: Queryable, database: string, table: string): Promise<Set<string>> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    'SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [database, table],
  );
  return new Set(rows.map((r) => String(r.name)));
}

/** The process-list id of an ALTER of ours on `table` still running (a lost worker's), if any. */
async function runningAlter(target: Queryable, database: string, table: string): Promise<number | undefined> {
  const [rows] = await target.query<mysql.RowDataPacket[]>(
    'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE INFO LIKE ? AND ID <> CONNECTION_ID()',
    [`${MARK} ALTER TABLE ${qualified(database, table)} `.replace(/[\\%_]/g, (c) => `\\${c}`) + '%'],
  );
  return rows.length ? Number(rows[0]!.id) : undefined;
}

/** MariaDB's progress of a statement (0–100), if the server reports one. */
async function progressOf(target: Queryable, id: number): Promise<number | undefined> {
  try {
    const [rows] = await target.query<mysql.RowDataPacket[]>(
      'SELECT PROGRESS AS progress FROM information_schema.PROCESSLIST WHERE ID = ?',
      [id],
    );
    return rows.length ? Number(rows[0]!.progress) : undefined;
  } catch {
    return undefined; // MySQL has no such column
  }
}

/**
 * Heartbeats every second with `table`'s build progress until `done` settles; a cancelled activity
 * (an aborted move) kills the statement of process `id`.
 */
async function followBuild(target: Queryable, table: string, id: number, done: Promise<unknown>): Promise<void> {
  const ctx = Context.current();
  let finished = false;
  const settled = done.then(
    () => (finished = true),
    () => (finished = true),
  );
  while (!finished) {
    ctx.heartbeat({ table, progress: await progressOf(target, id) });
    await Promise.race([settled, sleep(1_000), ctx.cancelled.catch(() => undefined)]);
    if (ctx.cancellationSignal.aborted && !finished) {
      await target.query(`KILL QUERY ${id}`).catch(() => undefined);
      await settled;
      throw new CancelledFailure(`adding the secondary keys of ${table} cancelled`);
    }
  }
  await done;
}

/** Runs `add` online (or, if the server cannot, with the table's writes blocked) until it is not kept waiting. */
async function buildKeys(conn: mysql.Connection, table: string, add: string): Promise<void> {
  const ctx = Context.current();
  let online = true;
  for (;;) {
    if (ctx.cancellationSignal.aborted) throw new CancelledFailure(`adding the secondary keys of ${table} cancelled`);
    try {
      await conn.query(online ? `${add}, ALGORITHM=INPLACE, LOCK=NONE` : add);
      return;
    } catch (err) {
      const errno = (err as { errno?: number }).errno ?? 0;
      if (online && ONLINE_NOT_SUPPORTED.includes(errno)) {
        // A key the server cannot build while the table takes writes: the stream's writes wait for it.
        ctx.log.warn(`${table}: ${(err as Error).message}; building its keys with writes blocked instead`);
        online = false;
      } else if (errno === LOCK_WAIT_TIMEOUT) {
        ctx.log.warn(
          `${table}: a transaction on the target holds the table (its metadata lock) for over ${LOCK_WAIT_SECONDS} s; trying again in ${LOCK_WAIT_SECONDS} s`,
        );
        await sleep(LOCK_WAIT_SECONDS * 1_000);
      } else throw err;
    }
  }
}

/**
 * Activity `addDeferredKeys`: each table's keys that are not on the target yet, in one online ALTER
 * per table (the stream's writes go on). Idempotent: a retry first waits out an ALTER a lost worker
 * left running on the server, then adds what is still missing.
 */
export async function addDeferredKeys(clusters: Clusters, input: AddDeferredKeysInput): Promise<void> {
  const target = clusters.pool(input.target);
  const log = Context.current().log;
  for (const [table, keys] of Object.entries(input.keys)) {
    const left = await runningAlter(target, input.targetDatabase, table);
    if (left !== undefined) {
      log.info(`an earlier attempt's ALTER of ${table} is still running (process ${left}): waiting for it`);
      const gone = (async () => {
        while ((await runningAlter(target, input.targetDatabase, table)) !== undefined) await sleep(1_000);
      })();
      await followBuild(target, table, left, gone);
    }
    const present = await keyNames(target, input.targetDatabase, table);
    const missing = keys.filter((k) => !present.has(k.name));
    if (!missing.length) continue;
    const started = Date.now();
    const conn = await clusters.connect(input.target);
    try {
      // An ALTER waiting for the table's metadata lock (a long transaction reading it) makes every
      // write to the table, the stream's, queue behind it: it gives way after a few seconds and tries again.
      await conn.query(`SET SESSION lock_wait_timeout = ${LOCK_WAIT_SECONDS}`);
      const add = `${MARK} ALTER TABLE ${qualified(input.targetDatabase, table)} ${missing.map((k) => `ADD ${k.definition}`).join(', ')}`;
      await followBuild(target, table, conn.threadId, buildKeys(conn, table, add));
    } finally {
      await conn.end().catch(() => undefined);
    }
    log.info(
      `added ${missing.map((k) => k.name).join(', ')} to ${input.targetDatabase}.${table} in ${((Date.now() - started) / 1_000).toFixed(1)} s`,
    );
  }
}
