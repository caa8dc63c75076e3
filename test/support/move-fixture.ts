// A table being moved, as the cutover tests need it: the same table on source and target with
// the same starting rows (a finished copy), and a stream registered from the source position.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type mysql from 'mysql2/promise';
import { createTableText } from '../../activities/table-info.js';
import { streamIdFor } from '../../contract/tables.js';
import { streamTables } from '../../workflows/stream-tables.js';
import type { Defer } from './cleanups.js';
import { sql, uniqueName } from './stack.js';
import { eventually } from './waiting.js';

export const TABLE_DDL = '(id BIGINT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64), n INT)';

export interface MoveFixture {
  database: string;
  table: string;
  streamId: string;
  source: mysql.Connection;
  target: mysql.Connection;
  startPosition: string;
  base: { source: 'source'; target: 'target'; database: string; tables: string[] };
  close(): Promise<void>;
}

/** A new database on the source with table `t` holding ids 1..rows; nothing on the target. */
export async function createSourceTable(
  prefix: string,
  rows: number,
): Promise<{ database: string; source: mysql.Connection }> {
  const database = uniqueName(prefix);
  const source = await sql('source');
  await source.query(`CREATE DATABASE ${database}`);
  await source.query(`CREATE TABLE ${database}.t ${TABLE_DDL}`);
  if (rows > 0)
    await source.query(
      `INSERT INTO ${database}.t (id, v, n) SELECT seq, CONCAT('row-', seq), seq FROM ${database}.seq_1_to_${rows}`,
    );
  return { database, source };
}

/** A table's definition as the server prints it, without its name line and AUTO_INCREMENT counter. */
export async function tableDefinition(conn: mysql.Connection, database: string, table: string): Promise<string> {
  const ddl = await createTableText(conn, database, table);
  return ddl.slice(ddl.indexOf('\n')).replace(/ AUTO_INCREMENT=\d+/, '');
}

/** `createSourceTable` plus a target connection, both closed by `defer` after the test. */
export async function sourceTableAndTarget(prefix: string, rows: number, defer: Defer) {
  const created = await createSourceTable(prefix, rows);
  const target = await sql('target');
  defer(async () => {
    await created.source.end();
    await target.end();
  });
  return { ...created, target };
}

export async function createMoveFixture(initialRows = 100): Promise<MoveFixture> {
  const database = uniqueName('mv');
  const table = 't';
  const source = await sql('source');
  const target = await sql('target');
  for (const conn of [source, target]) {
    await conn.query(`CREATE DATABASE ${database}`);
    await conn.query(`CREATE TABLE ${database}.${table} ${TABLE_DDL}`);
    if (initialRows > 0) {
      await conn.query(`INSERT INTO ${database}.${table} (id, v, n) VALUES ?`, [
        Array.from({ length: initialRows }, (_, i) => [i + 1, `row-${i + 1}`, i]),
      ]);
    }
  }
  const [rows] = await source.query<mysql.RowDataPacket[]>('SELECT @@global.gtid_binlog_pos AS pos');
  return {
    database,
    table,
    source,
    target,
    streamId: streamIdFor('source', database, [table]),
    startPosition: String(rows[0]!.pos),
    base: { source: 'source', target: 'target', database, tables: [table] },
    async close() {
      await source.end();
      await target.end();
    },
  };
}

export function startStream(client: Client, fixture: MoveFixture, taskQueue: string) {
  return client.workflow.start(streamTables, {
    taskQueue,
    workflowId: uniqueName(`stream-${fixture.database}`),
    args: [{ ...fixture.base, startPosition: fixture.startPosition }],
  });
}

/** Resolves once the stream has registered its state row on the target. */
export async function streamRegistered(fixture: MoveFixture): Promise<void> {
  await eventually(
    `stream ${fixture.streamId} to register`,
    async () => {
      const [state] = await fixture.target.query<mysql.RowDataPacket[]>(
        'SELECT 1 FROM _move_tables.streams WHERE stream_id = ?',
        [fixture.streamId],
      );
      return state.length ? true : undefined;
    },
    { timeoutMs: 30_000 },
  );
}

/** The tables of `database`, sorted, without the cutover's fence tables (`fenceTableNames`). */
export async function tableNames(conn: mysql.Connection, database: string): Promise<string[]> {
  return (await allTableNames(conn, database)).filter((name) => !FENCE.test(name));
}

/** The cutover's fence tables in `database` (docs/cutover.md, "The RENAME's fence"), sorted. */
export async function fenceTableNames(conn: mysql.Connection, database: string): Promise<string[]> {
  return (await allTableNames(conn, database)).filter((name) => FENCE.test(name));
}

const FENCE = /^_mt_fence_[0-9a-f]{16}(_fwd|_back)?$/;

async function allTableNames(conn: mysql.Connection, database: string): Promise<string[]> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY 1',
    [database],
  );
  return rows.map((r) => String(r.name));
}

export async function allRows(conn: mysql.Connection, database: string, table: string): Promise<unknown[]> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT * FROM \`${database}\`.\`${table}\` ORDER BY id`);
  return rows.map((r) => ({ ...r }));
}

export async function cutOverFlag(fixture: MoveFixture): Promise<{ complete: boolean; drainGtid: string | null }> {
  const [rows] = await fixture.target.query<mysql.RowDataPacket[]>(
    'SELECT cut_over_complete, drain_gtid FROM _move_tables.streams WHERE stream_id = ?',
    [fixture.streamId],
  );
  return { complete: Number(rows[0]?.cut_over_complete) === 1, drainGtid: rows[0]?.drain_gtid ?? null };
}

/** RENAME TABLE statements in the source binlog that name `database`. */
export async function renamesInSourceBinlog(source: mysql.Connection, database: string): Promise<string[]> {
  const [logs] = await source.query<mysql.RowDataPacket[]>('SHOW BINARY LOGS');
  const found: string[] = [];
  for (const log of logs) {
    const [events] = await source.query<mysql.RowDataPacket[]>(`SHOW BINLOG EVENTS IN '${String(log.Log_name)}'`);
    for (const e of events) {
      const info = String(e.Info);
      if (e.Event_type === 'Query' && /RENAME TABLE/i.test(info) && info.includes(database)) found.push(info);
    }
  }
  return found;
}

/** A hooks directory whose hooks append "<hook name> <extra>" to a log; `failing` ones exit 3. */
export function recordingHooks(options: { failing?: string[]; hang?: string[] } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'move-tables-hooks-'));
  const log = path.join(dir, 'hooks.log');
  writeFileSync(log, '');
  for (const event of ['on-begin-postponed', 'on-before-cut-over', 'on-success', 'on-failure']) {
    const name = `gh-ost-${event}`;
    const body = [
      '#!/bin/sh',
      `echo $$ > "${path.join(dir, `${name}.pid`)}"`,
      `echo "${name} drain=$GH_OST_DRAIN_GTID table=$GH_OST_TABLE_NAME old=$GH_OST_OLD_TABLE_NAME target=$GH_OST_TARGET_HOST:$GH_OST_TARGET_PORT/$GH_OST_TARGET_DATABASE_NAME failure=$GH_OST_FAILURE_MESSAGE" >> "${log}"`,
      ...(options.hang?.includes(event) ? ['sleep 30'] : []),
      ...(options.failing?.includes(event) ? ['echo "refusing: $GH_OST_DATABASE_NAME" >&2', 'exit 3'] : []),
    ].join('\n');
    const file = path.join(dir, name);
    writeFileSync(file, `${body}\n`);
    chmodSync(file, 0o755);
  }
  return {
    dir,
    /** The process id of the last run of a hook. */
    pid: (event: string) => Number(readFileSync(path.join(dir, `gh-ost-${event}.pid`), 'utf8')),
    lines: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
    names: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(' ')[0]),
  };
}
