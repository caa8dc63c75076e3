// Integrity under adversarial data: exact values whatever the servers' time zones, approximate
// types copied exactly, bad values refused rather than coerced, and a verifier that a swapped or
// hidden difference cannot fool. Values are compared by the databases themselves, never through
// the driver's conversion.
import type { Client } from '@temporalio/client';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOneWayMove } from '../support/one-way-move.js';
import { streamIdFor } from '../../contract/tables.js';
import { startMariadb, type MariadbServer } from '../../dev/stack/mariadb.js';
import { ensureMariadb } from '../../dev/stack/prereqs.js';
import { freePort, stopProcess } from '../../dev/stack/processes.js';
import { moveStatusQuery, releaseCutOverSignal, setChunkSizeSignal } from '../../contract/definitions.js';
import { cleanupAfterEach } from '../support/cleanups.js';
import { holdCopy } from '../support/copy-progress.js';
import { saveHistory } from '../support/histories.js';
import { renamesInSourceBinlog } from '../support/move-fixture.js';
import { rowsCopiedByInsert } from '../support/copy-results.js';
import { recordFault } from '../support/fault-report.js';
import {
  spawnWorkerProcess,
  sql,
  stack,
  stackClusterUrl,
  startWorker,
  temporalClient,
  testClusters,
  uniqueName,
  ownedWorker,
} from '../support/stack.js';
import { eventually, failureOf, moveReaches } from '../support/waiting.js';
import { verifyTables } from '../../activities/verify/verify-tables.js';
import { inspectRename, renameBack, renameSourceTables } from '../../activities/source/rename.js';
import type { RenamePlan } from '../../contract/activities.js';
import { captureDrainGtid, serverIdentity } from '../../activities/source/server.js';
import { syncAutoIncrement } from '../../activities/target/auto-increment.js';
import { loadRows, loadStatement } from '../../activities/target/load-rows.js';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { VerifyReport } from '../../contract/activities.js';
import {
  claimStream,
  readStreamState,
  registerStream,
  saveAppliedPosition,
} from '../../activities/target/stream-state.js';

const delayingWorker = fileURLToPath(new URL('../support/delaying-worker.ts', import.meta.url));

let client: Client;
const defer = cleanupAfterEach();
beforeAll(async () => {
  client = await temporalClient();
});

/** Rows as the database prints them: every column in an exact text form, computed by the server. */
async function exactRows(conn: mysql.Connection, database: string, table: string, exprs: string[]): Promise<string[]> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>({
    sql: `SELECT CONCAT_WS('|', ${exprs.join(', ')}) AS r FROM \`${database}\`.\`${table}\` ORDER BY id`,
    rowsAsArray: false,
  });
  return rows.map((r) => String(r.r));
}

async function databaseOnBoth(prefix: string, ddl: string) {
  const database = uniqueName(prefix);
  const source = await sql('source');
  const target = await sql('target');
  defer(async () => {
    await source.end();
    await target.end();
  });
  await source.query(`CREATE DATABASE ${database}`);
  await source.query(`CREATE TABLE ${database}.t ${ddl}`);
  return { database, source, target };
}

/** A move of `database`.t on an in-process worker, waiting at its postpone gate. */
async function moveAtGate(database: string) {
  const handle = await startOneWayMove(
    client,
    { source: 'source', target: 'target', database, tables: ['t'], postpone: true },
    await ownedWorker(defer),
  );
  await moveReaches(handle, 'the postpone gate', (s) => s.cutOver?.postponed === true);
  return handle;
}

describe('exact values', () => {
  it('TIMESTAMP values survive copy and stream when source and target run in other time zones', async () => {
    const { database, source, target } = await databaseOnBoth(
      'tz',
      '(id INT PRIMARY KEY, ts TIMESTAMP(6) NULL, dt DATETIME(6) NULL)',
    );
    await source.query("SET GLOBAL time_zone = '+02:00'");
    await target.query("SET GLOBAL time_zone = '+05:00'");
    defer(async () => {
      await source.query('SET GLOBAL time_zone = SYSTEM');
      await target.query('SET GLOBAL time_zone = SYSTEM');
    });
    // Written in a session of the source's zone: the stored instants are what the epochs say.
    await source.query("SET SESSION time_zone = '+02:00'");
    await source.query(
      `INSERT INTO ${database}.t VALUES (1, FROM_UNIXTIME(1700000000.123456), '2024-01-02 03:04:05.678901'), (2, FROM_UNIXTIME(86400), NULL)`,
    );
    const handle = await moveAtGate(database);
    // Through the stream: inserted and updated while the move waits at the gate.
    await source.query(`INSERT INTO ${database}.t VALUES (3, FROM_UNIXTIME(1800000000.5), '2030-01-01 00:00:00')`);
    await source.query(`UPDATE ${database}.t SET ts = FROM_UNIXTIME(1600000000.25) WHERE id = 2`);
    await handle.signal(releaseCutOverSignal);
    await handle.result();
    const exprs = ['id', 'IFNULL(UNIX_TIMESTAMP(ts), "NULL")', 'IFNULL(dt, "NULL")'];
    const expected = await exactRows(source, database, '_t_del', exprs);
    expect(expected).toEqual([
      '1|1700000000.123456|2024-01-02 03:04:05.678901',
      '2|1600000000.250000|NULL',
      '3|1800000000.500000|2030-01-01 00:00:00.000000',
    ]);
    expect(await exactRows(target, database, 't', exprs)).toEqual(expected);
    recordFault(
      'source at +02:00, target at +05:00 (TIMESTAMP and DATETIME through copy and stream)',
      'every instant equal on both sides (UNIX_TIMESTAMP compared by the servers)',
      '3 rows, copied and streamed, equal to the microsecond',
    );
  });

  it('FLOAT and DOUBLE are copied and streamed bit-exactly', async () => {
    const { database, source, target } = await databaseOnBoth(
      'float',
      '(id INT PRIMARY KEY, f FLOAT, d DOUBLE, u FLOAT UNSIGNED)',
    );
    await source.query(
      `INSERT INTO ${database}.t VALUES (1, 1.2345678, 1.2345678901234567, 0.1), (2, 3.4028234e38, -2.2250738585072014e-308, 16777217), (3, -1.17549435e-38, 1e300, NULL)`,
    );
    const handle = await moveAtGate(database);
    await source.query(`INSERT INTO ${database}.t VALUES (4, 0.3333333, 0.1 + 0.2, 7.654321)`);
    await handle.signal(releaseCutOverSignal);
    const result = await handle.result();
    expect(result.verify!.ok).toBe(true);
    const exprs = ['id', 'IFNULL(CAST(f AS DOUBLE), "NULL")', 'IFNULL(d, "NULL")', 'IFNULL(CAST(u AS DOUBLE), "NULL")'];
    const expected = await exactRows(source, database, '_t_del', exprs);
    expect(expected[0]).toMatch(/^1\|1\.2345677614212036\|/);
    expect(await exactRows(target, database, 't', exprs)).toEqual(expected);
    recordFault(
      'FLOAT and DOUBLE extremes through copy and stream',
      'bit-exact on both sides (CAST AS DOUBLE compared by the servers)',
      `${expected.length} rows equal, including 1.2345678 (float 1.2345677614212036) and 3.4028234e38`,
    );
  });

  it('BIT, SET, ENUM, TIME, YEAR, DECIMAL and BIGINT extremes are copied and streamed exactly', async () => {
    const { database, source, target } = await databaseOnBoth(
      'types',
      "(id INT PRIMARY KEY, b BIT(10), s SET('a','b','c'), e ENUM('x','y'), t TIME(6), y YEAR, d DECIMAL(30,10), big BIGINT UNSIGNED, neg BIGINT)",
    );
    await source.query(
      `INSERT INTO ${database}.t VALUES (1, b'1010101010', 'a,c', 'y', '-838:59:58.999999', 1901, -12345678901234567890.0123456789, 18446744073709551615, -9223372036854775808), (2, b'0', '', 'x', '00:00:00.000001', 2155, 0.0000000001, 0, 9223372036854775807)`,
    );
    const handle = await moveAtGate(database);
    await source.query(
      `INSERT INTO ${database}.t VALUES (3, b'1111111111', 'b', NULL, '-00:00:00.5', 0000, 99999999999999999999.9999999999, 1, -1)`,
    );
    await source.query(`UPDATE ${database}.t SET s = 'a,b,c', t = '12:34:56.789012' WHERE id = 2`);
    await handle.signal(releaseCutOverSignal);
    const result = await handle.result();
    expect(result.verify!.ok).toBe(true);
    const exprs = [
      'id',
      'IFNULL(BIN(b), "NULL")',
      's + 0',
      'IFNULL(e, "NULL")',
      'CAST(t AS CHAR)',
      'y',
      'CAST(d AS CHAR)',
      'CAST(big AS CHAR)',
      'CAST(neg AS CHAR)',
    ];
    const expected = await exactRows(source, database, '_t_del', exprs);
    expect(expected[0]).toBe(
      '1|1010101010|5|y|-838:59:58.999999|1901|-12345678901234567890.0123456789|18446744073709551615|-9223372036854775808',
    );
    expect(await exactRows(target, database, 't', exprs)).toEqual(expected);
    recordFault(
      'BIT, SET, ENUM, negative TIME(6), YEAR, DECIMAL(30,10), BIGINT extremes through copy and stream',
      'every value equal on both sides, compared by the servers in exact forms',
      `${expected.length} rows equal`,
    );
  });

  it.each([
    ['LOAD DATA', true],
    ["INSERTs (the target's local_infile OFF)", false],
  ])('bytes the load format reserves, the word NULL and \\N are copied exactly by %s', async (_how, localInfile) => {
    const { database, source, target } = await databaseOnBoth(
      'reserved',
      "(id INT PRIMARY KEY, v VARCHAR(20) CHARACTER SET utf8mb4, b VARBINARY(20), e ENUM('a\\tb', 'c\\\\d'))",
    );
    const values: Array<[string | null, Buffer | null, string | null]> = [
      ['tab\there', Buffer.from('\t\n\\'), 'a\tb'],
      ['line\nbreak\r\n', Buffer.from([0, 10, 0, 92, 78]), 'c\\d'],
      ['back\\slash\\', Buffer.from('\\N'), null],
      ['NULL', Buffer.from('NULL'), 'a\tb'],
      ['\\N', Buffer.alloc(0), 'c\\d'],
      [null, null, null],
      ['', Buffer.from('\'"`'), null],
      ['ü\\t€', Buffer.from([255, 9, 254]), null],
    ];
    for (const [i, row] of values.entries())
      await source.query(`INSERT INTO ${database}.t VALUES (?, ?, ?, ?)`, [i + 1, ...row]);
    if (!localInfile) {
      await target.query('SET GLOBAL local_infile = OFF');
      defer(async () => {
        const server = await sql('target');
        await server.query('SET GLOBAL local_infile = ON');
        await server.end();
      });
    }
    const handle = await moveAtGate(database);
    const status = await handle.query(moveStatusQuery);
    const warned = (status.warnings ?? []).some((w) => w.includes('local_infile'));
    expect(warned).toBe(!localInfile);
    await handle.signal(releaseCutOverSignal);
    expect((await handle.result()).verify!.ok).toBe(true);
    const exprs = ['id', 'IFNULL(HEX(v), "NULL")', 'IFNULL(HEX(b), "NULL")', 'IFNULL(HEX(e), "NULL")'];
    const expected = await exactRows(source, database, '_t_del', exprs);
    expect(expected).toHaveLength(values.length);
    expect(expected[3]).toBe('4|4E554C4C|4E554C4C|610962');
    expect(await exactRows(target, database, 't', exprs)).toEqual(expected);
    // How the rows went: the copy's activity results say how many were written by INSERTs.
    expect(await rowsCopiedByInsert(handle)).toBe(localInfile ? 0 : values.length);
  });

  it('a value the target cannot store fails the move with its row instead of being coerced', async () => {
    const { database, source, target } = await databaseOnBoth(
      'strict',
      '(id INT PRIMARY KEY, v VARCHAR(30) NOT NULL, n TINYINT)',
    );
    await source.query(`INSERT INTO ${database}.t SELECT seq, 'ok', seq FROM ${database}.seq_1_to_6`);
    // A narrower target table (prepared by hand): a value that fits the source does not fit here.
    await target.query(`CREATE DATABASE ${database}`);
    await target.query(`CREATE TABLE ${database}.t (id INT PRIMARY KEY, v VARCHAR(3) NOT NULL, n TINYINT)`);
    await source.query(`UPDATE ${database}.t SET v = 'too long for three' WHERE id = 4`);
    const taskQueue = await ownedWorker(defer);
    // Chunks of 2 rows: the refused row is in the second, while the third is read (and locked) ahead.
    const handle = await startOneWayMove(
      client,
      { source: 'source', target: 'target', database, tables: ['t'], chunkSize: 2 },
      taskQueue,
    );
    const message = await failureOf(handle.result());
    expect(message).toMatch(/Data too long for column 'v'|too long/i);
    expect(message).toContain('with key [4]');
    const [rows] = await target.query<mysql.RowDataPacket[]>(`SELECT id, v FROM ${database}.t ORDER BY id`);
    expect(rows.map((r) => `${r.id}:${r.v}`)).toEqual(['1:ok', '2:ok']);
    // No lock of the failed copy outlives it: the chunk read ahead is writable at once.
    await source.query('SET SESSION innodb_lock_wait_timeout = 1');
    await source.query(`UPDATE ${database}.t SET n = n + 10 WHERE id IN (4, 5, 6)`);
    recordFault(
      'a row the target cannot store during the copy (an 18-character value into VARCHAR(3))',
      'the move fails naming the problem; nothing truncated on the target',
      message.slice(0, 160),
    );
  });
});

describe('verification', () => {
  async function verified(database: string): Promise<VerifyReport> {
    const env = new MockActivityEnvironment();
    const clusters = testClusters();
    defer(() => clusters.close());
    return env.run(() =>
      verifyTables(clusters, {
        source: 'source',
        target: 'target',
        database,
        targetDatabase: database,
        tables: [{ sourceTable: 't', targetTable: 't' }],
        chunkSize: 1_000,
      }),
    );
  }

  it('values swapped between two rows are a difference', async () => {
    const { database, source, target } = await databaseOnBoth('swap', '(id INT PRIMARY KEY, s VARCHAR(8), n INT)');
    await target.query(`CREATE DATABASE ${database}`);
    await target.query(`CREATE TABLE ${database}.t (id INT PRIMARY KEY, s VARCHAR(8), n INT)`);
    await source.query(`INSERT INTO ${database}.t VALUES (1, 'AB', 100), (2, 'CD', 200)`);
    await target.query(`INSERT INTO ${database}.t VALUES (1, 'CD', 100), (2, 'AB', 200)`);
    const report = await verified(database);
    expect(report.ok).toBe(false);
    recordFault(
      'values swapped between two rows of equal length',
      'verification reports the chunk',
      `${report.tables[0]!.mismatchedChunks} chunk(s) differ`,
    );
  });

  it('a difference inside a blob larger than half of max_allowed_packet is found', async () => {
    const { database, source, target } = await databaseOnBoth('blob', '(id INT PRIMARY KEY, b LONGBLOB)');
    await target.query(`CREATE DATABASE ${database}`);
    await target.query(`CREATE TABLE ${database}.t (id INT PRIMARY KEY, b LONGBLOB)`);
    const [packet] = await source.query<mysql.RowDataPacket[]>('SELECT @@global.max_allowed_packet AS p');
    const size = Math.floor(Number(packet[0]!.p) / 2) + 1024;
    await source.query(`INSERT INTO ${database}.t VALUES (1, REPEAT('x', ?))`, [size]);
    await target.query(`INSERT INTO ${database}.t VALUES (1, CONCAT(REPEAT('x', ? - 1), 'y'))`, [size]);
    const report = await verified(database);
    expect(report.ok).toBe(false);
    recordFault(
      `a one-byte difference in a ${(size / 1048576).toFixed(1)} MiB blob`,
      'verification reports the chunk',
      `${report.tables[0]!.mismatchedChunks} chunk(s) differ`,
    );
  });
});

describe('fencing of stream attempts', () => {
  it('a stalled attempt that wakes up after a newer one claimed the stream writes nothing', async () => {
    const stale = await sql('target');
    const fresh = await sql('target');
    defer(async () => {
      await stale.end();
      await fresh.end();
    });
    const streamId = uniqueName('fence');
    await registerStream(fresh, streamId, '1-1-1');
    await claimStream(stale, streamId, 'attempt 1');
    // Attempt 1 has a batch under way: attempt 2's claim waits for it, then resumes from where it stopped.
    await stale.beginTransaction();
    await saveAppliedPosition(stale, streamId, '1-1-5', 'attempt 1');
    const claimed = claimStream(fresh, streamId, 'attempt 2');
    await new Promise((r) => setTimeout(r, 300));
    await stale.commit();
    expect((await claimed).appliedPosition).toBe('1-1-5');
    // Attempt 1 wakes up with another batch: refused before it writes a row.
    await stale.beginTransaction();
    await expect(saveAppliedPosition(stale, streamId, '1-1-4', 'attempt 1')).rejects.toMatchObject({
      type: 'StreamSuperseded',
    });
    await stale.rollback();
    await fresh.beginTransaction();
    await saveAppliedPosition(fresh, streamId, '1-1-9', 'attempt 2');
    await fresh.commit();
    expect((await readStreamState(fresh, streamId))!.appliedPosition).toBe('1-1-9');
    recordFault(
      'a stalled stream attempt wakes up after the next attempt took over',
      "its batch is refused before any row; the new attempt resumes from the old one's last commit",
      'claim waited for the batch under way, resumed at 1-1-5; the stale batch failed with StreamSuperseded',
    );
  });
});

describe('a late RENAME', () => {
  it("the inspection after a silent T1 ends T1's connection, so a RENAME it sends later cannot run", async () => {
    const { database, source } = await databaseOnBoth('late', '(id INT PRIMARY KEY)');
    // T1's connection: set up, reported, and stalled before sending its RENAME.
    const t1 = await sql('source');
    defer(() => t1.end().catch(() => undefined));
    await t1.query('SET SESSION lock_wait_timeout = 3');
    const clusters = testClusters();
    defer(() => clusters.close());
    const plan = {
      source: 'source',
      database,
      tables: ['t'],
      oldTableTemplate: '_{table}_del',
      lockWaitTimeoutSeconds: 3,
      tag: 'late-test',
    };
    const outcome = await new MockActivityEnvironment().run(() =>
      inspectRename(clusters, { ...plan, t1ConnectionId: t1.threadId }),
    );
    expect(outcome).toBe('not-renamed');
    await expect(t1.query(`RENAME TABLE ${database}.t TO ${database}._t_del`)).rejects.toThrow();
    const [tables] = await source.query<mysql.RowDataPacket[]>(
      'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
      [database],
    );
    expect(tables.map((r) => r.t)).toEqual(['t']);
    recordFault(
      'T1 stalled after connecting, woken after the inspection',
      "the inspection kills T1's reported connection first: the late RENAME cannot run",
      'inspection said not-renamed; the late RENAME failed on its killed connection; source unchanged',
    );
  });

  it('a T1 still connecting when its heartbeat timed out cannot rename later: the inspection claimed its fence', async () => {
    const { database, source, target } = await databaseOnBoth('fence', '(id INT PRIMARY KEY, v VARCHAR(32))');
    await source.query(`INSERT INTO ${database}.t VALUES (1, 'a'), (2, 'b')`);
    const env = { MOVE_TABLES_TASK_QUEUE: uniqueName('q') };
    // Attempt 1's T1 held 8 s before it connects: its 5 s heartbeat timeout passes with no
    // connection id reported, the inspection finds nothing renamed, and then the RENAME is sent,
    // while the move waits 15 s before attempt 2.
    const w = await spawnWorkerProcess({ ...env, MOVE_TABLES_TEST_DELAY: 'renameSourceTables:8000:1' }, delayingWorker);
    defer(() => w.stop().catch(() => undefined));
    const handle = await startOneWayMove(
      client,
      { source: 'source', target: 'target', database, tables: ['t'], cutOverRetryDelaySeconds: 15 },
      env.MOVE_TABLES_TASK_QUEUE,
    );
    const waiting = await moveReaches(handle, 'attempt 1 to fail', (s) => s.attempts?.[0]?.outcome === 'failed');
    expect(waiting.attempts![0]).toMatchObject({ sourceState: 'unchanged', step: 'T1' });
    await eventually('the late RENAME to be refused', async () =>
      w.output().includes('"type":"RenameFenced"') ? true : undefined,
    );
    // Refused as a whole: the table is still in place, nothing renamed in the binlog.
    expect(await renamesInSourceBinlog(source, database)).toEqual([]);
    await source.query(`INSERT INTO ${database}.t VALUES (3, 'written after the late RENAME')`);
    const result = await handle.result();
    expect(result.verify!.ok).toBe(true);
    expect(await renamesInSourceBinlog(source, database)).toHaveLength(1);
    const exprs = ['id', 'v'];
    expect(await exactRows(target, database, 't', exprs)).toEqual(await exactRows(source, database, '_t_del', exprs));
    recordFault(
      'T1 still connecting when its heartbeat timed out (no connection id reported); its RENAME sent after the inspection',
      "the inspection claims the attempt's fence first: the late RENAME fails as a whole; attempt 2 completes",
      `attempt 1 unchanged at T1; late RENAME refused (RenameFenced); attempt 2 completed; 1 RENAME in the binlog`,
    );
  });

  it("a compensation's rename-back still under way cannot land after the hold renamed back and the next attempt renamed again", async () => {
    const { database, source } = await databaseOnBoth('lateback', '(id INT PRIMARY KEY)');
    const clusters = testClusters();
    defer(() => clusters.close());
    const run = <T>(fn: () => Promise<T>) => new MockActivityEnvironment().run(fn);
    const plan = (fence: string, settles?: string[]): RenamePlan => ({
      source: 'source',
      database,
      tables: ['t'],
      oldTableTemplate: '_{table}_del',
      lockWaitTimeoutSeconds: 3,
      tag: `lateback-${fence}`,
      fence,
      ...(settles ? { settles } : {}),
    });
    const names = async () => {
      const [rows] = await source.query<mysql.RowDataPacket[]>(
        "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME NOT LIKE '\\_mt\\_fence%'",
        [database],
      );
      return rows.map((r) => String(r.t));
    };
    // Attempt 1 renamed; its compensation failed (say its worker stalled): the move holds renamed.
    await run(() => renameSourceTables(clusters, plan('attempt-1')));
    // The hold renames back, settling attempt 1; attempt 2 renames again and drains.
    await expect(run(() => renameBack(clusters, plan('hold-1', ['attempt-1'])))).resolves.toEqual({
      renamedBack: true,
    });
    await run(() => renameSourceTables(clusters, plan('attempt-2')));
    expect(await names()).toEqual(['_t_del']);
    // Attempt 1's stalled compensation wakes up: the source shows renamed, and it renames back.
    await expect(run(() => renameBack(clusters, plan('attempt-1')))).rejects.toMatchObject({ type: 'RenameFenced' });
    // Refused as a whole: attempt 2's drain still sees a frozen source.
    expect(await names()).toEqual(['_t_del']);
    expect(await renamesInSourceBinlog(source, database)).toHaveLength(3);
  });

  it('T2 refuses a drain position read on another server than the one T1 renamed on', async () => {
    const clusters = testClusters();
    defer(() => clusters.close());
    const source = await sql('source');
    defer(() => source.end());
    const here = await serverIdentity(source);
    const env = new MockActivityEnvironment();
    await expect(env.run(() => captureDrainGtid(clusters, 'source', here))).resolves.toEqual(expect.any(String));
    await expect(env.run(() => captureDrainGtid(clusters, 'source', 'replica.example:3306#2'))).rejects.toThrow(
      /^the drain position was read on .*#1, but the RENAME ran on replica\.example:3306#2 .*reach the source's primary directly/,
    );
  });

  it("the inspection waits only for its own attempt's RENAME: attempt 10's tag does not match attempt 1's", async () => {
    const { database } = await databaseOnBoth('tags', '(id INT PRIMARY KEY)');
    const other = await sql('source');
    defer(() => other.end().catch(() => undefined));
    // A statement of attempt 10 in flight (here a sleep carrying its tag).
    const running = other.query(`SELECT SLEEP(6) /* move-tables:move_x_cutover_10:forward */`);
    await new Promise((r) => setTimeout(r, 300));
    const clusters = testClusters();
    defer(() => clusters.close());
    const started = Date.now();
    const outcome = await new MockActivityEnvironment().run(() =>
      inspectRename(clusters, {
        source: 'source',
        database,
        tables: ['t'],
        oldTableTemplate: '_{table}_del',
        lockWaitTimeoutSeconds: 1,
        tag: 'move_x/cutover/1',
      }),
    );
    expect(outcome).toBe('not-renamed');
    expect(Date.now() - started).toBeLessThan(3_000);
    const [slept] = (await running) as unknown as [mysql.RowDataPacket[]];
    // Not killed: SLEEP returns 0 when it ran its course, 1 when interrupted.
    expect(Number(Object.values(slept[0]!)[0])).toBe(0);
  });
});

describe('the stream on adversarial transactions', () => {
  async function movedUnderStream(prefix: string, rows: number) {
    const { database, source, target } = await databaseOnBoth(prefix, '(id INT PRIMARY KEY, v VARCHAR(32))');
    if (rows)
      await source.query(`INSERT INTO ${database}.t SELECT seq, CONCAT('r', seq) FROM ${database}.seq_1_to_${rows}`);
    const handle = await moveAtGate(database);
    return { database, source, target, handle };
  }

  it('a prepared XA transaction is applied at its commit, and not at all when rolled back', async () => {
    const { database, source, target, handle } = await movedUnderStream('xa', 10);
    // One session per XA transaction: a session with a prepared one can start no other.
    const committing = await sql('source');
    const rollingBack = await sql('source');
    defer(async () => {
      await committing.end();
      await rollingBack.end();
    });
    for (const [conn, xid, id, v] of [
      [committing, 'mt-commit', 100, 'committed'],
      [rollingBack, 'mt-rollback', 200, 'rolled back'],
    ] as const) {
      await conn.query(`XA START '${xid}'`);
      await conn.query(`INSERT INTO ${database}.t VALUES (?, ?)`, [id, v]);
      await conn.query(`XA END '${xid}'`);
      await conn.query(`XA PREPARE '${xid}'`);
    }
    // Later transactions pass the prepares in the binlog while both wait for their decision.
    await source.query(`UPDATE ${database}.t SET v = 'after prepare' WHERE id = 1`);
    await new Promise((r) => setTimeout(r, 1_500));
    const [pending] = await target.query<mysql.RowDataPacket[]>(`SELECT id FROM ${database}.t WHERE id IN (100, 200)`);
    expect(pending).toEqual([]);
    await committing.query(`XA COMMIT 'mt-commit'`);
    await rollingBack.query(`XA ROLLBACK 'mt-rollback'`);
    await handle.signal(releaseCutOverSignal);
    const result = await handle.result();
    expect(result.verify!.ok).toBe(true);
    const exprs = ['id', 'v'];
    expect(await exactRows(target, database, 't', exprs)).toEqual(await exactRows(source, database, '_t_del', exprs));
    const [rows] = await target.query<mysql.RowDataPacket[]>(`SELECT id FROM ${database}.t WHERE id IN (100, 200)`);
    expect(rows.map((r) => r.id)).toEqual([100]);
    recordFault(
      'XA transactions prepared during the stream, one committed, one rolled back',
      'rows applied at XA COMMIT only; a rolled-back XA leaves nothing; parity',
      'nothing applied while prepared; the committed row arrived at its commit; the rolled-back row never did',
    );
  });

  it('one transaction of 120,000 rows streams in parts and arrives whole', async () => {
    const { database, source, target, handle } = await movedUnderStream('big', 120_000);
    await source.query(`UPDATE ${database}.t SET v = CONCAT('big-', id)`);
    await handle.signal(releaseCutOverSignal);
    const result = await handle.result();
    expect(result.verify!.ok).toBe(true);
    const [changed] = await target.query<mysql.RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM ${database}.t WHERE v LIKE 'big-%'`,
    );
    expect(Number(changed[0]!.n)).toBe(120_000);
    recordFault(
      'one 120,000-row UPDATE during the stream',
      'applied in parts of at most 2,500 rows (bounded memory), position committed with the last part; parity',
      `${changed[0]!.n} rows updated on the target; verification ${result.verify!.ok ? 'MATCH' : 'MISMATCH'}`,
    );
  });

  it('a domain written by two server ids drains (the drain position is the full GTID state)', async () => {
    const { database, source, target } = await databaseOnBoth('srv', '(id INT PRIMARY KEY, v VARCHAR(32))');
    await source.query(`CREATE TABLE ${database}.other (id INT PRIMARY KEY)`);
    const env = { MOVE_TABLES_TASK_QUEUE: uniqueName('q') };
    // T2 held 3 s: time to write from another server id after the RENAME, before the drain GTID is read.
    const w = await spawnWorkerProcess({ ...env, MOVE_TABLES_TEST_DELAY: 'captureDrainGtid:3000' }, delayingWorker);
    defer(() => w.stop().catch(() => undefined));
    const handle = await startOneWayMove(
      client,
      { source: 'source', target: 'target', database, tables: ['t'], drainTimeoutSeconds: 10 },
      env.MOVE_TABLES_TASK_QUEUE,
    );
    await eventually('T2 held', async () => (w.output().includes('test-delay: captureDrainGtid') ? true : undefined));
    const other = await sql('source');
    defer(() => other.end());
    // Another server id writing in the source's domain (as a source that is also a replica would):
    // the domain's last GTID when T2 reads is server 77's.
    await other.query('SET SESSION server_id = 77');
    await other.query(`INSERT INTO ${database}.other VALUES (1)`);
    await moveReaches(handle, 'the drain GTID read', (s) => Boolean(s.cutOver?.drainGtid));
    // Then server 1 writes again: the stream applies 77's GTID and then 1's.
    await source.query(`INSERT INTO ${database}.other VALUES (2)`);
    const result = await handle.result();
    expect(result.cutOver.drainGtid).toMatch(/-77-\d+/);
    expect(result.verify!.ok).toBe(true);
    const exprs = ['id', 'v'];
    expect(await exactRows(target, database, 't', exprs)).toEqual(await exactRows(source, database, '_t_del', exprs));
    recordFault(
      'a second server id writes in the source GTID domain between T1 and T2',
      'the drain covers every server of the domain; the cutover completes',
      `drain GTID state ${result.cutOver.drainGtid}; completed`,
    );
  });
});

describe('verification after release', () => {
  it('an application write to the target after release is reported with its key; the move completes', async () => {
    const { database, source, target } = await databaseOnBoth('after', '(id INT PRIMARY KEY, v VARCHAR(32))');
    await source.query(`INSERT INTO ${database}.t SELECT seq, CONCAT('r', seq) FROM ${database}.seq_1_to_500`);
    const env = { MOVE_TABLES_TASK_QUEUE: uniqueName('q') };
    // The verification held 3 s after release: the application writes to the target meanwhile.
    const w = await spawnWorkerProcess({ ...env, MOVE_TABLES_TEST_DELAY: 'verifyTables:3000' }, delayingWorker);
    defer(() => w.stop().catch(() => undefined));
    const handle = await startOneWayMove(
      client,
      { source: 'source', target: 'target', database, tables: ['t'], verify: 'after-release' },
      env.MOVE_TABLES_TASK_QUEUE,
    );
    await eventually('the verification held', async () =>
      w.output().includes('test-delay: verifyTables') ? true : undefined,
    );
    await target.query(`UPDATE ${database}.t SET v = 'written by the application' WHERE id = 42`);
    const result = await handle.result();
    expect(result.verify).toMatchObject({ ok: false, afterRelease: true });
    expect(result.verify!.tables[0]!.mismatches.flatMap((m) => m.differingKeys)).toEqual([[42]]);
    const status = await handle.query(moveStatusQuery);
    expect(status.phase).toBe('done');
    expect(status.lastError).toMatch(/verification after release found differences in t \(1 keys listed\)/);
    recordFault(
      'the application writes to the target after release, before the verification reads it',
      'the completed move is not failed; the difference is reported with its key',
      'move done; verify MISMATCH after release naming key [42]',
    );
  });
});

/** The outcome of a move, or a note that it was still running after `ms` (a move stuck retrying). */
async function outcomeWithin(handle: { result: () => Promise<unknown> }, ms: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`still running after ${ms / 1000} s`), ms);
  });
  const outcome = await Promise.race([failureOf(handle.result()).catch((err: Error) => err.message), late]);
  clearTimeout(timer);
  return outcome;
}

describe('rare paths (integrity review II)', () => {
  it('a legacy ENUM value stored in non-strict mode fails the move at once, naming table, key and column', async () => {
    const { database, source } = await databaseOnBoth('legacy', "(id INT PRIMARY KEY, e ENUM('a','b') NOT NULL)");
    await source.query("SET SESSION sql_mode = ''");
    // 'x' is no member: the server stored the ENUM's error value '' (index 0) with a warning.
    await source.query(`INSERT INTO ${database}.t VALUES (1, 'a'), (2, 'x'), (3, 'b')`);
    const handle = await startOneWayMove(
      client,
      { source: 'source', target: 'target', database, tables: ['t'] },
      await ownedWorker(defer),
    );
    const started = Date.now();
    const message = await outcomeWithin(handle, 60_000);
    expect(message).toMatch(/^RowRejected: .* refuses the row of .*\.t with key \[2\] \(row copy\): .*column 'e'/);
    recordFault(
      "a legacy ENUM value ('' stored by a non-strict session) during the copy",
      'the move fails at once naming table, key and column (no silent endless retry)',
      `${message.slice(0, 120)} after ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  });

  it('a chunk whose rows the stream already wrote loads as duplicates, however many (past the default 64 warnings)', async () => {
    const { database, target } = await databaseOnBoth('dups', '(id INT PRIMARY KEY, v VARCHAR(8))');
    await target.query(`CREATE DATABASE ${database}`);
    await target.query(`CREATE TABLE ${database}.t (id INT PRIMARY KEY, v VARCHAR(8))`);
    await target.query(`INSERT INTO ${database}.t SELECT seq, 'stream' FROM ${database}.seq_1_to_100`);
    const clusters = testClusters();
    defer(() => clusters.close());
    const writer = await clusters.connectTargetWriter('target');
    defer(() => writer.end());
    const columns = [
      { name: 'id', dataType: 'int', columnType: 'int(11)', generated: false },
      { name: 'v', dataType: 'varchar', columnType: 'varchar(8)', generated: false },
    ];
    const lines = Buffer.from(Array.from({ length: 150 }, (_, i) => `${i + 1}\tcopy\n`).join(''));
    await writer.beginTransaction();
    const loaded = await loadRows(writer, loadStatement(database, 't', columns), lines);
    await writer.commit();
    expect(loaded).toBe(true);
    const [rows] = await target.query<mysql.RowDataPacket[]>(
      `SELECT v, COUNT(*) AS n FROM ${database}.t GROUP BY v ORDER BY v`,
    );
    expect(rows.map((r) => `${r.v}:${r.n}`)).toEqual(['copy:50', 'stream:100']);
  });

  it('a row the target skips for a reason other than a duplicate key is never dropped (no partition for it)', async () => {
    const { database, source, target } = await databaseOnBoth('part', '(id INT PRIMARY KEY, v INT)');
    await source.query(`INSERT INTO ${database}.t VALUES (1, 1), (150, 150)`);
    // Pre-created by an operator, empty, partitioned for recent ids only.
    await target.query(`CREATE DATABASE ${database}`);
    await target.query(
      `CREATE TABLE ${database}.t (id INT PRIMARY KEY, v INT) PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (100))`,
    );
    const handle = await startOneWayMove(
      client,
      { source: 'source', target: 'target', database, tables: ['t'] },
      await ownedWorker(defer),
    );
    const message = await outcomeWithin(handle, 60_000);
    // The server names the value, not the row: the chunk's key range is named.
    expect(message).toMatch(
      /^RowRejected: .* with key \[\[1\],\[150\]\] \(row copy, key range of the chunk\): Table has no partition for value 150/,
    );
    recordFault(
      'a pre-created target table without a partition for some rows (LOAD DATA skips them as if duplicates)',
      'the move fails naming the row; no row is skipped silently',
      message.slice(0, 140),
    );
  });

  it('a change binlogged as a statement fails the move before any RENAME, naming the table and the session setting', async () => {
    const { database, source } = await databaseOnBoth('stmt', '(id INT PRIMARY KEY, n INT)');
    await source.query(`INSERT INTO ${database}.t VALUES (1, 1), (2, 2)`);
    const handle = await moveAtGate(database);
    const session = await sql('source');
    defer(() => session.end());
    await session.query("SET SESSION binlog_format = 'STATEMENT'");
    await session.query(`UPDATE ${database}.t SET n = n + 1 WHERE id = 1`);
    const message = await outcomeWithin(handle, 60_000);
    expect(message).toMatch(
      new RegExp(
        `^UnsupportedBinlogEvent: the binlog stream failed: a change to ${database}\\.t reached the binlog as a statement .*binlog_format`,
      ),
    );
    // Row values never reach an error: the statement's text is not repeated.
    expect(message).not.toContain('n + 1');
    const [tables] = await source.query<mysql.RowDataPacket[]>(`SHOW TABLES FROM ${database}`);
    expect(tables.map((r) => Object.values(r)[0])).toEqual(['t']);
    recordFault(
      'a session with binlog_format=STATEMENT updates a moved table during the stream',
      'the move fails naming the table and the setting, before any RENAME (never a silently dropped change)',
      message.slice(0, 140),
    );
  });

  it('an aborted move leaves nothing on the target: a new move of the same table just works', async () => {
    const { database, source, target } = await databaseOnBoth('again', '(id INT PRIMARY KEY, n INT)');
    await source.query(`INSERT INTO ${database}.t SELECT seq, seq FROM ${database}.seq_1_to_2000`);
    const first = await moveAtGate(database);
    await first.cancel();
    await first.result().catch(() => undefined);
    const [left] = await target.query<mysql.RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
      [database],
    );
    expect(Number(left[0]!.n)).toBe(0);
    await saveHistory('move-aborted-target-discarded', first);
    const second = await startOneWayMove(
      client,
      { source: 'source', target: 'target', database, tables: ['t'] },
      await ownedWorker(defer),
    );
    const result = await second.result();
    expect(result.rowsCopied).toBe(2_000);
    recordFault(
      'abort, then a fresh move of the same table',
      'the aborted move drops what it created on the target; the next move needs no hand work',
      `target empty after the abort; second move copied ${result.rowsCopied} rows, verify ${result.verify!.ok ? 'MATCH' : 'MISMATCH'}`,
    );
  });

  it('DECIMAL(20,0) and BIT(64) keys past 2^53 move whole with one-row chunks and four ranges (keys bound in their own type)', async () => {
    for (const [kind, ddl, key] of [
      [
        'DECIMAL(20,0)',
        '(id DECIMAL(20,0) PRIMARY KEY, n INT)',
        (i: number) => `10000000000000000${String(i).padStart(3, '0')}`,
      ],
      ['BIT(64)', '(id BIT(64) PRIMARY KEY, n INT)', (i: number) => `b'${(2n ** 63n + BigInt(i)).toString(2)}'`],
    ] as const) {
      const { database, source, target } = await databaseOnBoth(kind === 'BIT(64)' ? 'bitkey' : 'deckey', ddl);
      const values = Array.from({ length: 200 }, (_, i) => `(${kind === 'BIT(64)' ? key(i) : `'${key(i)}'`}, ${i})`);
      await source.query(`INSERT INTO ${database}.t VALUES ${values.join(', ')}`);
      const handle = await startOneWayMove(
        client,
        {
          source: 'source',
          target: 'target',
          database,
          tables: ['t'],
          chunkSize: 1,
          copyConcurrency: 4,
          postpone: true,
        },
        await ownedWorker(defer),
      );
      await moveReaches(handle, 'the postpone gate', (s) => s.cutOver?.postponed === true);
      // The stream's deletes bind the key in its type too.
      await source.query(`DELETE FROM ${database}.t WHERE n IN (7, 150)`);
      await handle.signal(releaseCutOverSignal);
      const result = await handle.result();
      expect({ kind, verify: result.verify }).toMatchObject({ kind, verify: { ok: true } });
      const [rows] = await target.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS c, SUM(n) AS s FROM ${database}.t`);
      expect({ kind, count: Number(rows[0]!.c), sum: Number(rows[0]!.s) }).toEqual({
        kind,
        count: 198,
        sum: (199 * 200) / 2 - 157,
      });
    }
  });

  it('a scheduled event that writes a moved table is named in the warnings, as views are', async () => {
    const { database, source } = await databaseOnBoth('event', '(id INT PRIMARY KEY, n INT)');
    await source.query(`INSERT INTO ${database}.t VALUES (1, 1)`);
    await source.query(`CREATE EVENT ${database}.bump ON SCHEDULE EVERY 1 DAY DISABLE DO UPDATE t SET n = n + 1`);
    const handle = await moveAtGate(database);
    const { warnings } = await handle.query(moveStatusQuery);
    expect(warnings).toContainEqual(
      `event ${database}.bump (disabled) writes or reads ${database}.t: it stays on the source and fails from the cutover on; disable it before, and recreate it on the target after`,
    );
    await handle.cancel();
  });

  it('a held chunk keeps rows from being inserted inside it even when the source defaults to READ COMMITTED', async () => {
    const { database, source } = await databaseOnBoth('rc', '(id INT PRIMARY KEY, v INT)');
    // Keys 10, 20, 30, ...: gaps a concurrent insert could use.
    await source.query(`INSERT INTO ${database}.t SELECT seq * 10, seq FROM ${database}.seq_1_to_3000`);
    const admin = await sql('source');
    defer(async () => {
      await admin.query('SET GLOBAL TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      await admin.end();
    });
    await admin.query('SET GLOBAL TRANSACTION ISOLATION LEVEL READ COMMITTED');
    const handle = await startOneWayMove(
      client,
      { source: 'source', target: 'target', database, tables: ['t'], chunkSize: 100 },
      await ownedWorker(defer),
    );
    // The copy stands still holding the source locks of the chunk it cannot write yet.
    const held = await holdCopy(database, 100, defer);
    const writer = await sql('source');
    defer(() => writer.end());
    await writer.query('SET SESSION innodb_lock_wait_timeout = 1');
    // Inside the next chunk, between two of its rows.
    const inside = held.copied * 10 + 15;
    const outcome = await writer.query(`INSERT INTO ${database}.t VALUES (?, 0)`, [inside]).then(
      () => 'inserted',
      (err: { errno?: number }) => (err.errno === 1205 ? 'lock wait timeout' : String(err)),
    );
    expect(outcome).toBe('lock wait timeout');
    await held.release();
    await handle.cancel();
    recordFault(
      'a source whose default isolation is READ COMMITTED (no gap locks) while a chunk is held',
      "the copy's sessions run REPEATABLE READ: an insert inside the held chunk waits, so a chunk read again by count keeps its rows",
      `insert of id ${inside} inside the chunk after ${held.copied} rows: ${outcome}`,
    );
  });
});

describe('a unique value moving between rows while the stream lags (integrity review II)', () => {
  it('replayed images converge to the source instead of failing the move after its copy', async () => {
    const { database, source, target } = await databaseOnBoth(
      'uniq',
      '(id INT PRIMARY KEY, u VARCHAR(16) NOT NULL, n INT, UNIQUE KEY u (u))',
    );
    await source.query(`INSERT INTO ${database}.t SELECT seq, CONCAT('v', seq), seq FROM ${database}.seq_1_to_2000`);
    const handle = await startOneWayMove(
      client,
      { source: 'source', target: 'target', database, tables: ['t'], chunkSize: 100, postpone: true },
      await ownedWorker(defer),
    );
    await moveReaches(handle, 'the copy', (s) => s.phase === 'copy');
    // The stream stalls: its state row is held, so no batch can commit.
    const staller = await sql('target');
    defer(() => staller.end());
    await staller.query('BEGIN');
    await staller.query('SELECT * FROM _move_tables.streams WHERE stream_id = ? FOR UPDATE', [
      streamIdFor('source', database, ['t']),
    ]);
    // The copy stands still after its first chunks, before rows 1999 and 2000.
    const held = await holdCopy(database, 100, defer);
    // Row 2000 takes 'c', then 'd'; row 1999 then takes 'c'.
    await source.query(`UPDATE ${database}.t SET u = 'c' WHERE id = 2000`);
    await source.query(`UPDATE ${database}.t SET u = 'd' WHERE id = 2000`);
    await source.query(`UPDATE ${database}.t SET u = 'c' WHERE id = 1999`);
    await held.release();
    // The copy writes (1999,c) and (2000,d); only then may the stream replay (2000,c).
    await moveReaches(handle, 'the copy done', (s) => s.phase !== 'copy');
    await staller.query('ROLLBACK');
    await moveReaches(
      handle,
      'the postpone gate',
      (s) => s.cutOver?.postponed === true && (s.streamLagMs ?? 0) < 1_000,
    );
    await eventually('the stream past the updates', async () => {
      const [rows] = await target.query<mysql.RowDataPacket[]>(
        `SELECT id, u FROM ${database}.t WHERE id >= 1999 ORDER BY id`,
      );
      return rows.map((r) => `${r.id}:${r.u}`).join(',') === '1999:c,2000:d' ? true : undefined;
    });
    await handle.signal(releaseCutOverSignal);
    const result = await handle.result();
    expect(result.verify!.ok).toBe(true);
    recordFault(
      'a unique value moves between rows while the stream lags behind the copy',
      'replayed images converge to the source; the move completes (no RowRejected after the copy)',
      `rows 1999:c, 2000:d on the target; verify ${result.verify!.ok ? 'MATCH' : 'MISMATCH'}`,
    );
  });
});

describe('a copy the target keeps refusing (integrity review II)', () => {
  it('a failing copy shows in status with its cause and count; a chunk-size change retries it at once, with that size', async () => {
    const { database, source } = await databaseOnBoth('copyfail', '(id INT PRIMARY KEY, v VARCHAR(32))');
    await source.query(`INSERT INTO ${database}.t SELECT seq, CONCAT('row-', seq) FROM ${database}.seq_1_to_3000`);
    const admin = await sql('target');
    defer(() => admin.end());
    const user = uniqueName('cp');
    await admin.query(`CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY 'pw'`);
    defer(async () => {
      await admin.query(`DROP USER '${user}'@'127.0.0.1'`);
    });
    await admin.query(`GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER ON *.* TO '${user}'@'127.0.0.1'`);
    const taskQueue = uniqueName('q');
    // Each copy slice held 2 s on this worker: time to take INSERT away once prepare has passed.
    const w = await spawnWorkerProcess(
      {
        MOVE_TABLES_TASK_QUEUE: taskQueue,
        MOVE_TABLES_TEST_DELAY: 'copyRows:2000',
        MOVE_TABLES_CLUSTER_LIMITED: stackClusterUrl(user, 'pw', stack().servers.target.port),
      },
      delayingWorker,
    );
    defer(() => w.stop());
    const handle = await startOneWayMove(
      client,
      { source: 'source', target: 'limited', database, tables: ['t'], postpone: true },
      taskQueue,
    );
    await moveReaches(handle, 'the copy', (s) => s.phase === 'copy');
    // Writes to the moved table refused from now on; the copy's own state stays writable.
    await admin.query(`REVOKE INSERT ON *.* FROM '${user}'@'127.0.0.1'`);
    await admin.query(`GRANT INSERT ON _move_tables.* TO '${user}'@'127.0.0.1'`);
    const failing = await moveReaches(handle, 'the copy failure in status', (s) =>
      /INSERT command denied/.test(s.lastError ?? ''),
    );
    expect(failing.phase).toBe('copy');
    expect(failing.lastError).toMatch(
      /^the copy of .*\.t failed 1 time\(s\) \(3 attempts each\) and is tried again: INSERT command denied/,
    );
    // The grant takes effect without a worker restart; a new chunk size retries at once, with it.
    await admin.query(`GRANT INSERT ON ${database}.* TO '${user}'@'127.0.0.1'`);
    await handle.signal(setChunkSizeSignal, 700);
    const atGate = await moveReaches(handle, 'the postpone gate', (s) => s.cutOver?.postponed === true);
    expect(atGate.lastError).toBeUndefined();
    expect(atGate.rowsCopied).toBe(3_000);
    const history = await handle.fetchHistory();
    const sizes = (history.events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'copyRows')
      .map(
        (e) =>
          JSON.parse(Buffer.from(e.activityTaskScheduledEventAttributes!.input!.payloads![0]!.data!).toString())
            .chunkSize,
      );
    expect(sizes.at(-1)).toBe(700);
    await handle.signal(releaseCutOverSignal);
    expect((await handle.result()).verify!.ok).toBe(true);
    await saveHistory('move-copy-failure-reported', handle);
    recordFault(
      'the target refuses every copy slice for a reason a retry can fix (INSERT revoked)',
      'status shows the cause and the count while it retries; a grant takes effect without a restart; chunk-size applies to the retried slice',
      `${failing.lastError!.slice(0, 90)}…; then copied 3,000 rows in chunks of ${sizes.at(-1)}`,
    );
  });

  it("a chunk larger than the target's max_binlog_cache_size is halved until it fits, instead of failing every slice", async () => {
    const { database, source, target } = await databaseOnBoth('bincache', '(id INT PRIMARY KEY, v TEXT)');
    await source.query(`INSERT INTO ${database}.t SELECT seq, REPEAT('x', 200) FROM ${database}.seq_1_to_500`);
    await source.query(`INSERT INTO ${database}.t VALUES (501, REPEAT('y', 20000))`);
    const admin = await sql('target');
    const [before] = await admin.query<mysql.RowDataPacket[]>(
      'SELECT CAST(@@global.max_binlog_cache_size AS CHAR) AS size',
    );
    const size = String(before[0]!.size);
    if (!/^\d+$/.test(size)) throw new Error(`max_binlog_cache_size ${size}`);
    defer(async () => {
      await admin.query(`SET GLOBAL max_binlog_cache_size = ${size}`);
      await admin.end();
    });
    // Its minimum: a chunk of 501 rows of 200 bytes does not fit (ER_TRANS_CACHE_FULL, 1197).
    await admin.query('SET GLOBAL max_binlog_cache_size = 4096');
    const handle = await startOneWayMove(
      client,
      { source: 'source', target: 'target', database, tables: ['t'] },
      await ownedWorker(defer),
    );
    const outcome = await Promise.race([
      handle.result().then((r) => `done, verify ${r.verify!.ok ? 'MATCH' : 'MISMATCH'}`),
      new Promise<string>((resolve) => setTimeout(() => resolve('still copying after 60 s'), 60_000)),
    ]);
    expect(outcome).toBe('done, verify MATCH');
    const [copied] = await target.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${database}.t`);
    expect(Number(copied[0]!.n)).toBe(501);
    recordFault(
      "the target's max_binlog_cache_size at its minimum (4096) during the copy (gh-ost's copy-retries-exhausted)",
      'chunks halve until they fit (a row that never fits fails the move with CopyRefused, naming the setting)',
      `501 rows copied; ${outcome}`,
    );
  });
});

describe('cutover readiness and T3 on the rare paths (integrity review II)', () => {
  /** A postponed move of `database`.t that retries a not-ready attempt after 1 s. */
  async function postponedMove(database: string) {
    const handle = await startOneWayMove(
      client,
      {
        source: 'source',
        target: 'target',
        database,
        tables: ['t'],
        postpone: true,
        maxTransactionAgeSeconds: 1,
        cutOverRetryDelaySeconds: 1,
      },
      await ownedWorker(defer),
    );
    await moveReaches(handle, 'the postpone gate', (s) => s.cutOver?.postponed === true);
    return handle;
  }

  it('an undecided XA transaction on a moved table (its session gone) keeps T1 from running until it is decided', async () => {
    const { database, source } = await databaseOnBoth('xa', '(id INT PRIMARY KEY, n INT)');
    await source.query(`INSERT INTO ${database}.t VALUES (1, 1), (2, 2)`);
    const handle = await postponedMove(database);
    const xid = `'mt-${database}'`;
    const preparer = await sql('source');
    await preparer.query(`XA START ${xid}`);
    await preparer.query(`INSERT INTO ${database}.t VALUES (100, 100)`);
    await preparer.query(`XA END ${xid}`);
    await preparer.query(`XA PREPARE ${xid}`);
    // Detached: no session, no thread id for the long-transaction check to see.
    await preparer.end();
    // The prepare's group ends (for the stream) when the next transaction begins: another table's write.
    await source.query(`CREATE TABLE ${database}.other (id INT PRIMARY KEY)`);
    await source.query(`INSERT INTO ${database}.other VALUES (1)`);
    const decider = await sql('source');
    defer(async () => {
      await decider.query(`XA ROLLBACK ${xid}`).catch(() => undefined);
      await decider.end();
    });
    await handle.signal(releaseCutOverSignal);
    const first = await moveReaches(handle, 'attempt 1 to fail', (s) => s.attempts?.[0]?.outcome === 'failed');
    expect(first.attempts![0]).toMatchObject({ step: 'ready', sourceState: 'unchanged' });
    expect(first.attempts![0]!.cause).toMatch(
      /XA transaction\(s\) prepared on source .* are not yet committed or rolled back/,
    );
    expect(await renamesInSourceBinlog(source, database)).toEqual([]);
    await decider.query(`XA COMMIT ${xid}`);
    const result = await handle.result();
    expect(result.verify!.ok).toBe(true);
    const target = await sql('target');
    defer(() => target.end());
    const [rows] = await target.query<mysql.RowDataPacket[]>(`SELECT n FROM ${database}.t WHERE id = 100`);
    expect(rows.map((r) => Number(r.n))).toEqual([100]);
    // The branches since the second review: readiness before the hooks, the watched stream.
    await saveHistory('move-xa-undecided-then-completed', handle);
    await saveHistory('cutover-not-ready-before-hooks', client.workflow.getHandle(first.attempts![0]!.workflowId));
    await saveHistory(
      'cutover-ready-twice-rolled-forward',
      client.workflow.getHandle(`${first.attempts![0]!.workflowId.slice(0, -2)}/2`),
    );
    recordFault(
      'an XA transaction prepared on a moved table, its session gone, undecided at the cutover',
      'no RENAME while it is undecided (readiness names it); after XA COMMIT the cutover completes with its row',
      `attempt 1 not ready: ${first.attempts![0]!.cause!.slice(0, 90)}…; then completed`,
    );
  });

  it('a transaction holding the table on the target keeps T1 from running (T3 would wait behind it)', async () => {
    const { database, source, target } = await databaseOnBoth('tgtlock', '(id INT AUTO_INCREMENT PRIMARY KEY, n INT)');
    await source.query(`INSERT INTO ${database}.t (n) VALUES (1), (2)`);
    const handle = await postponedMove(database);
    // The source's counter ahead of the target's: a rolled-back insert.
    await source.query('BEGIN');
    await source.query(`INSERT INTO ${database}.t (n) VALUES (3)`);
    await source.query('ROLLBACK');
    await target.query('BEGIN');
    await target.query(`SELECT * FROM ${database}.t LIMIT 1`);
    await new Promise((r) => setTimeout(r, 1_500));
    await handle.signal(releaseCutOverSignal);
    const first = await moveReaches(handle, 'attempt 1 to fail', (s) => s.attempts?.[0]?.outcome === 'failed');
    expect(first.attempts![0]).toMatchObject({ step: 'ready', sourceState: 'unchanged' });
    expect(first.attempts![0]!.cause).toMatch(/holds a moved table on the target .*AUTO_INCREMENT/);
    await target.query('ROLLBACK');
    const result = await handle.result();
    expect(result.cutOver.stepDurationsMs.T3).toBeLessThan(10_000);
    const [counter] = await target.query<mysql.RowDataPacket[]>(
      'SELECT AUTO_INCREMENT AS next FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [database, 't'],
    );
    expect(Number(counter[0]!.next)).toBe(4);
    recordFault(
      'a transaction holds the moved table on the target at the cutover (the source counter ahead)',
      'no RENAME while it holds the table (readiness names the target); then the counter is raised and the move completes',
      `attempt 1 not ready on the target; completed, T3 ${result.cutOver.stepDurationsMs.T3} ms, counter 4`,
    );
  });

  it("T3's counter update waits at most the lock-wait bound for a table held on the target, then fails naming it", async () => {
    const { database, source, target } = await databaseOnBoth('ai', '(id INT AUTO_INCREMENT PRIMARY KEY)');
    await target.query(`CREATE DATABASE ${database}`);
    await target.query(`CREATE TABLE ${database}.t (id INT AUTO_INCREMENT PRIMARY KEY)`);
    await source.query(`INSERT INTO ${database}.t VALUES (1), (2), (3)`);
    await target.query('BEGIN');
    await target.query(`SELECT * FROM ${database}.t`);
    const clusters = testClusters();
    defer(() => clusters.close());
    const started = Date.now();
    const outcome = await new MockActivityEnvironment()
      .run(() =>
        syncAutoIncrement(clusters, {
          source: 'source',
          target: 'target',
          database,
          targetDatabase: database,
          tables: [{ sourceTable: 't', targetTable: 't' }],
          lockWaitTimeoutSeconds: 1,
        }),
      )
      .then(
        () => 'raised',
        (err: Error & { type?: string }) => `${err.type}: ${err.message}`,
      );
    await target.query('ROLLBACK');
    expect(outcome).toMatch(
      /^TargetLocked: raising the AUTO_INCREMENT of .*\.t on target .* waited 1 s for its metadata lock/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('prepare refuses a target account without ALTER (T3 needs it), naming it', async () => {
    const { database, source } = await databaseOnBoth('noalter', '(id INT PRIMARY KEY)');
    await source.query(`INSERT INTO ${database}.t VALUES (1)`);
    const admin = await sql('target');
    defer(() => admin.end());
    const user = uniqueName('noalter');
    await admin.query(`CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY 'pw'`);
    await admin.query(`GRANT SELECT, INSERT, UPDATE, DELETE, CREATE ON *.* TO '${user}'@'127.0.0.1'`);
    defer(async () => {
      await admin.query(`DROP USER '${user}'@'127.0.0.1'`);
    });
    const taskQueue = uniqueName('q');
    const w = await startWorker(
      { taskQueue },
      { MOVE_TABLES_CLUSTER_LIMITED: stackClusterUrl(user, 'pw', stack().servers.target.port) },
    );
    defer(() => w.stop());
    const handle = await startOneWayMove(
      client,
      { source: 'source', target: 'limited', database, tables: ['t'] },
      taskQueue,
    );
    expect(await failureOf(handle.result())).toMatch(
      /^MissingPrivilege: the worker's account on limited .* lacks ALTER .*needed on the target/,
    );
  });
});

describe('a source with lower_case_table_names=1 (and a compressed binlog)', () => {
  let server: MariadbServer;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'move-tables-lctn-'));
    server = await startMariadb(
      ensureMariadb(),
      {
        name: 'lctn',
        dir,
        port: await freePort(),
        serverId: 4,
        gtidDomainId: 4,
        ...(stack().tls ? { tls: stack().tls! } : {}),
        // MariaDB compresses binlog events (zongji reads them): the move below streams through them.
        options: ['lower-case-table-names=1', 'log-bin-compress=ON', 'log-bin-compress-min-len=10'],
      },
      testClusters().settings('source').password!,
      false,
    );
  });
  afterAll(async () => {
    await stopProcess(server.pid, server.configFile);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a name typed in another case than stored is refused before any change; the stored spelling moves, changes streamed', async () => {
    const taskQueue = uniqueName('q');
    const w = await startWorker(
      { taskQueue },
      {
        MOVE_TABLES_CLUSTER_LCTN: stackClusterUrl(
          'move_tables',
          testClusters().settings('source').password!,
          server.port,
        ),
      },
    );
    defer(() => w.stop());
    const lctn = await mysql.createConnection({ ...testClusters().connectionOptions('source'), port: server.port });
    defer(() => lctn.end());
    const database = uniqueName('lctn');
    await lctn.query(`CREATE DATABASE ${database}`);
    // Created as Orders, stored as orders.
    await lctn.query(`CREATE TABLE ${database}.Orders (id INT PRIMARY KEY, note VARCHAR(200))`);
    await lctn.query(`INSERT INTO ${database}.orders VALUES (1, REPEAT('a', 100)), (2, REPEAT('b', 100))`);
    const move = (db: string, table: string, postpone = false) =>
      startOneWayMove(client, { source: 'lctn', target: 'target', database: db, tables: [table], postpone }, taskQueue);
    const refused = await failureOf((await move(database, 'Orders')).result());
    expect(refused).toMatch(
      new RegExp(
        `^InvalidInput: table Orders is stored as orders on lctn \\(move_tables@127\\.0\\.0\\.1:\\d+\\) \\(lower_case_table_names.*\\): name it orders$`,
      ),
    );
    expect(await failureOf((await move(database.toUpperCase(), 'orders')).result())).toMatch(
      new RegExp(`^InvalidInput: database ${database.toUpperCase()} is stored as ${database} on lctn`),
    );
    const target = await sql('target');
    defer(() => target.end());
    const [created] = await target.query<mysql.RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
      [database],
    );
    expect(Number(created[0]!.n)).toBe(0);
    // As stored: every change streams (through compressed binlog events).
    const handle = await move(database, 'orders', true);
    await moveReaches(handle, 'the postpone gate', (s) => s.cutOver?.postponed === true);
    await lctn.query(`INSERT INTO ${database}.Orders VALUES (3, REPEAT('c', 100))`);
    await lctn.query(`UPDATE ${database}.ORDERS SET note = 'changed' WHERE id = 1`);
    await eventually('the changes on the target', async () => {
      const [rows] = await target.query<mysql.RowDataPacket[]>(`SELECT id, note FROM ${database}.orders ORDER BY id`);
      return rows.length === 3 && rows[0]!.note === 'changed' ? true : undefined;
    });
    await handle.cancel();
    recordFault(
      'a source with lower_case_table_names=1 and a table named in another case than stored (binlog compressed)',
      'refused in prepare naming the stored spelling; the stored spelling streams every change',
      refused.slice(0, 120),
    );
  });
});
