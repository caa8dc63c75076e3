// Faults injected on the real stack: lost workers at protocol steps, restarted servers, killed
// connections, failing hooks, bad input, and a look for credentials in histories and logs.
// Each test ends by recording its row of the result table (scripts/test prints it).
import type { Client } from '@temporalio/client';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { beforeAll, describe, expect, it } from 'vitest';
import { startOneWayMove } from '../support/one-way-move.js';
import { LineBuffer, readLines } from '../../activities/copy/read-lines.js';
import { startMariadb } from '../../dev/stack/mariadb.js';
import { ensureMariadb } from '../../dev/stack/prereqs.js';
import { freePort, stopProcess } from '../../dev/stack/processes.js';
import { restartStackPart } from '../../dev/stack/stack.js';
import { moveStatusQuery, releaseCutOverSignal } from '../../contract/definitions.js';
import type { MoveTablesInput } from '../../contract/move.js';
import { cleanupAfterEach } from '../support/cleanups.js';
import { holdCopy } from '../support/copy-progress.js';
import { eventually, failureOf, moveReaches } from '../support/waiting.js';
import { recordFault } from '../support/fault-report.js';
import { running } from '../support/process-state.js';
import { allRows, sourceTableAndTarget, recordingHooks, renamesInSourceBinlog } from '../support/move-fixture.js';
import {
  sourceWriteLoad,
  stackClusterUrl,
  ownedWorkerProcess,
  sql,
  stack,
  startWorker,
  temporalClient,
  testClusters,
  uniqueName,
} from '../support/stack.js';

let client: Client;
const defer = cleanupAfterEach();
beforeAll(async () => {
  client = await temporalClient();
});

const table = (rows: number) => sourceTableAndTarget('fault', rows, defer);

/** The worker with activity delays for reaching short steps (test/support/delaying-worker.ts). */
const delayingWorker = fileURLToPath(new URL('../support/delaying-worker.ts', import.meta.url));

const workerProcess = (env: Record<string, string>, entry?: string) => ownedWorkerProcess(defer, env, entry);

/** A source table of `rows` rows, an in-process worker, and a move of the table started on it. */
async function moveWithWorker(rows: number, input: Partial<MoveTablesInput> = {}) {
  const created = await table(rows);
  const taskQueue = uniqueName('q');
  const worker = await startWorker({ taskQueue });
  defer(() => worker.stop());
  const handle = await startOneWayMove(
    client,
    { source: 'source', target: 'target', database: created.database, tables: ['t'], ...input },
    taskQueue,
  );
  return { ...created, handle };
}

async function parity(source: mysql.Connection, target: mysql.Connection, database: string): Promise<number> {
  const frozen = await allRows(source, database, '_t_del');
  expect(await allRows(target, database, 't')).toEqual(frozen);
  return frozen.length;
}

describe('lost workers at protocol steps', () => {
  it('SIGKILL at the postpone gate: a new worker carries on; on-begin-postponed fired once', async () => {
    const { database, source, target } = await table(2_000);
    const hooks = recordingHooks();
    const env = { MOVE_TABLES_TASK_QUEUE: uniqueName('q'), MOVE_TABLES_HOOKS_DIR: hooks.dir };
    const first = await workerProcess(env);
    const handle = await startOneWayMove(
      client,
      { source: 'source', target: 'target', database, tables: ['t'], postpone: true },
      env.MOVE_TABLES_TASK_QUEUE,
    );
    await moveReaches(handle, 'the postpone gate', (s) => s.cutOver?.postponed === true);
    await first.kill();
    const second = await workerProcess(env);
    await handle.signal(releaseCutOverSignal);
    const result = await handle.result();
    expect(result.verify!.ok).toBe(true);
    expect(hooks.names()).toEqual(['gh-ost-on-begin-postponed', 'gh-ost-on-before-cut-over', 'gh-ost-on-success']);
    expect(await renamesInSourceBinlog(source, database)).toHaveLength(1);
    const rows = await parity(source, target, database);
    // No credential in any history of the move (parent and children) or in either worker's log.
    const password = testClusters().settings('source').password!;
    for (const id of [handle.workflowId, `${handle.workflowId}/stream`, `${handle.workflowId}/cutover/1`]) {
      const history = JSON.stringify(await client.workflow.getHandle(id).fetchHistory());
      expect(history).not.toContain(password);
      expect(history).not.toMatch(/mysql:\/\/[^"\s]*:[^"\s]*@/);
    }
    expect(first.output() + second.output()).not.toContain(password);
    recordFault(
      'SIGKILL worker at the postpone gate',
      'new worker waits at the gate; release completes the move; hook fired once',
      `completed, ${rows} rows equal, 1 RENAME, hooks ${hooks.names().join(' > ')}; no password in 3 histories or worker logs`,
    );
  });

  it('SIGKILL right after the RENAME was sent (T1 in flight): the move completes, never renamed twice', async () => {
    const { database, source, target } = await table(2_000);
    const env = { MOVE_TABLES_TASK_QUEUE: uniqueName('q') };
    const first = await workerProcess(env);
    const handle = await startOneWayMove(
      client,
      {
        source: 'source',
        target: 'target',
        database,
        tables: ['t'],
        postpone: true,
        lockWaitTimeoutSeconds: 30,
        cutOverRetryDelaySeconds: 1,
      },
      env.MOVE_TABLES_TASK_QUEUE,
    );
    await moveReaches(handle, 'the postpone gate', (s) => s.cutOver?.postponed === true);
    // An open transaction holds the table's metadata lock: the RENAME will wait for it.
    const blocker = await sql('source');
    defer(() => blocker.end());
    await blocker.query('BEGIN');
    await blocker.query(`SELECT * FROM ${database}.t LIMIT 1`);
    await handle.signal(releaseCutOverSignal);
    const waiting = await eventually('the RENAME waiting for its lock', async () => {
      const [rows] = await source.query<mysql.RowDataPacket[]>(
        "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE '%move-tables:%RENAME TABLE%' AND INFO NOT LIKE '%PROCESSLIST%'",
      );
      return rows.length ? rows : undefined;
    });
    expect(waiting.length).toBe(1);
    await first.kill();
    await workerProcess(env);
    await new Promise((r) => setTimeout(r, 2_000));
    await blocker.query('ROLLBACK');
    // Whether the server ran the dead connection's RENAME when its lock came free or dropped it,
    // the move completes: inspection finds it renamed and carries on, or finds the source
    // unchanged and the next attempt renames. Never a second RENAME.
    const result = await handle.result();
    const status = await handle.query(moveStatusQuery);
    expect(result.verify!.ok).toBe(true);
    expect(await renamesInSourceBinlog(source, database)).toHaveLength(1);
    const rows = await parity(source, target, database);
    const attempts = status.attempts!.map((a) => `${a.outcome}${a.step ? ` at ${a.step}` : ''}`).join(', ');
    recordFault(
      'SIGKILL worker with the T1 RENAME waiting on the metadata lock',
      'outcome read from the source after the in-flight RENAME ends; never a second RENAME; the move completes',
      `completed; attempts: ${attempts}; 1 RENAME; ${rows} rows equal`,
    );
  });

  it.each([
    ['T2', 'captureDrainGtid', 'drain GTID read again on the new worker, strictly after T1'],
    ['T4', 'setCutOverComplete', 'flag set by the new worker (idempotent)'],
  ] as const)(
    'SIGKILL while %s runs (%s): a new worker repeats the step; the move completes',
    async (step, activity, expectation) => {
      const { database, source, target } = await table(1_000);
      const env = { MOVE_TABLES_TASK_QUEUE: uniqueName('q') };
      const first = await workerProcess({ ...env, MOVE_TABLES_TEST_DELAY: `${activity}:30000` }, delayingWorker);
      const handle = await startOneWayMove(
        client,
        { source: 'source', target: 'target', database, tables: ['t'] },
        env.MOVE_TABLES_TASK_QUEUE,
      );
      await eventually(`the worker held in ${activity}`, async () =>
        first.output().includes(`test-delay: ${activity}`) ? true : undefined,
      );
      await first.kill();
      await workerProcess(env);
      const result = await handle.result();
      expect(result.verify!.ok).toBe(true);
      expect(await renamesInSourceBinlog(source, database)).toHaveLength(1);
      const rows = await parity(source, target, database);
      recordFault(
        `SIGKILL worker during ${step} (${activity})`,
        `${expectation}; RENAME once; move completes`,
        `completed with drain GTID ${result.cutOver.drainGtid}, ${rows} rows equal, 1 RENAME`,
      );
    },
  );

  /** Kills the worker while a hook of `event` runs (at `step`); a new worker takes over. */
  async function killDuringHook(
    event: 'on-before-cut-over' | 'on-success',
    step: 'T0' | 'T5',
    input: Partial<MoveTablesInput> = {},
  ) {
    const { database, source, target } = await table(1_000);
    const hooks = recordingHooks({ hang: [event] });
    const env = { MOVE_TABLES_TASK_QUEUE: uniqueName('q'), MOVE_TABLES_HOOKS_DIR: hooks.dir };
    const first = await workerProcess(env);
    const handle = await startOneWayMove(
      client,
      { source: 'source', target: 'target', database, tables: ['t'], ...input },
      env.MOVE_TABLES_TASK_QUEUE,
    );
    await moveReaches(
      handle,
      `the ${step} hook running`,
      (s) => s.cutOver?.step === step && hooks.names().includes(`gh-ost-${event}`),
    );
    await first.kill();
    await workerProcess(env);
    return { database, source, target, hooks, handle };
  }

  it('SIGKILL while the on-before-cut-over hook runs (T0): the attempt stops before any RENAME; the move holds', async () => {
    const { database, source, handle, hooks } = await killDuringHook('on-before-cut-over', 'T0', {
      cutOverAttempts: 1,
    });
    // The hook (sleeping 30 s) ends with its worker: it must not act after its step was lost.
    const hook = hooks.pid('on-before-cut-over');
    await eventually('the orphaned hook to end', async () => (running(hook) ? undefined : true), { timeoutMs: 5_000 });
    const held = await moveReaches(handle, 'holding', (s) => s.phase === 'holding');
    expect(held.attempts![0]).toMatchObject({ outcome: 'failed', step: 'T0', sourceState: 'unchanged' });
    expect(held.attempts![0]!.cause).toMatch(
      /^cutover failed at T0: Activity task timed out; nothing was renamed; the source is unchanged/,
    );
    expect(held.hold!.renamedTables).toEqual([]);
    expect(await renamesInSourceBinlog(source, database)).toHaveLength(0);
    await source.query(`INSERT INTO ${database}.t (v, n) VALUES ('writable', 1)`);
    await handle.cancel();
    recordFault(
      'SIGKILL worker during the T0 hook',
      'lost worker noticed by heartbeat; the attempt stops before any RENAME; the move holds (attempts used up)',
      'attempt 1 failed at T0 (heartbeat timeout); the hook process ended with the worker; holding with the source unchanged; 0 RENAMEs; source writable',
    );
  });

  it('SIGKILL while the on-success hook runs (T5): the move stops, reporting a completed cutover', async () => {
    const { database, source, target, hooks, handle } = await killDuringHook('on-success', 'T5');
    const message = await failureOf(handle.result());
    expect(message).toMatch(
      /^CutOverFailed: cutover failed at T5: Activity task timed out; the cutover itself completed/,
    );
    expect(hooks.names().filter((n) => n === 'gh-ost-on-success')).toHaveLength(1);
    const rows = await parity(source, target, database);
    recordFault(
      'SIGKILL worker during the T5 hook',
      'no second on-success run; the error says the cutover completed',
      `CutOverFailed at T5 (heartbeat timeout); on-success ran once; ${rows} rows equal`,
    );
  });

  it('SIGKILL mid-stream under write load: the stream resumes on the new worker; parity', async () => {
    const { database, source, target } = await table(3_000);
    const env = { MOVE_TABLES_TASK_QUEUE: uniqueName('q') };
    const first = await workerProcess(env);
    const handle = await startOneWayMove(
      client,
      { source: 'source', target: 'target', database, tables: ['t'], postpone: true },
      env.MOVE_TABLES_TASK_QUEUE,
    );
    await moveReaches(handle, 'the postpone gate', (s) => s.cutOver?.postponed === true);
    const load = sourceWriteLoad(database, 250);
    await new Promise((r) => setTimeout(r, 1_500));
    await first.kill();
    await new Promise((r) => setTimeout(r, 1_000));
    await workerProcess(env);
    await new Promise((r) => setTimeout(r, 1_500));
    await handle.signal(releaseCutOverSignal);
    const result = await handle.result();
    const stats = await load.stop();
    expect(stats.errors).toEqual([]);
    expect(result.verify!.ok).toBe(true);
    const rows = await parity(source, target, database);
    recordFault(
      'SIGKILL worker mid-stream under write load',
      'stream resumes from the position stored on the target; parity',
      `completed, ${rows} rows equal after ${stats.inserts + stats.updates + stats.keyChanges + stats.deletes} writes`,
    );
  });

  it('on-success hook exits non-zero at T5: the move stops, reporting a completed cutover', async () => {
    const { database, source, target } = await table(1_000);
    const hooks = recordingHooks({ failing: ['on-success'] });
    const taskQueue = uniqueName('q');
    const worker = await startWorker({ taskQueue, hooksDir: hooks.dir });
    defer(() => worker.stop());
    const handle = await startOneWayMove(
      client,
      { source: 'source', target: 'target', database, tables: ['t'] },
      taskQueue,
    );
    const message = await failureOf(handle.result());
    expect(message).toMatch(
      /^CutOverFailed: cutover failed at T5: hook gh-ost-on-success exited with code 3; stderr: refusing: fault_\w+; the cutover itself completed \(drain GTID (?:\d+-\d+-\d+,)*1-1-\d+, complete flag set, stream stopped\)/,
    );
    expect(hooks.names()).toEqual(['gh-ost-on-before-cut-over', 'gh-ost-on-success', 'gh-ost-on-failure']);
    const rows = await parity(source, target, database);
    recordFault(
      'on-success hook exits 3 at T5',
      'move fails naming T5; cutover data complete; on-failure fires',
      `CutOverFailed at T5, ${rows} rows equal, on-failure ran`,
    );
  });
});

describe('servers restarted and connections killed', () => {
  it('Temporal dev server restarted mid-copy: the move completes from its persisted history', async () => {
    const { database, source, target, handle } = await moveWithWorker(150_000, { chunkSize: 500 });
    const held = await holdCopy(database, 5_000, defer);
    await restartStackPart(stack().dir, 'temporal');
    await held.release();
    const result = await client.workflow.getHandle(handle.workflowId).result();
    expect(result.verify!.ok).toBe(true);
    const rows = await parity(source, target, database);
    recordFault(
      'Temporal dev server restarted mid-copy',
      'worker reconnects; move completes',
      `restarted with ${held.copied} of 150000 rows copied; completed, ${rows} rows equal, checksum ok`,
    );
  });

  it('target server restarted mid-copy: copy and stream resume from the target state', async () => {
    // Postponed, so the update after the restart finds the table on the source however fast the rest goes.
    const { database, source, handle } = await moveWithWorker(150_000, { chunkSize: 500, postpone: true });
    const held = await holdCopy(database, 5_000, defer);
    // The restart ends the hold with its session.
    await restartStackPart(stack().dir, 'target');
    await source.query(`UPDATE ${database}.t SET v = 'after target restart' WHERE id % 1000 = 0`);
    await moveReaches(handle, 'the postpone gate', (s) => s.cutOver?.postponed === true);
    await handle.signal(releaseCutOverSignal);
    const result = await handle.result();
    expect(result.verify!.ok).toBe(true);
    const target = await sql('target');
    defer(() => target.end());
    const rows = await parity(source, target, database);
    recordFault(
      'target server restarted mid-copy',
      'copy and stream retry and resume from the target; parity',
      `restarted with ${held.copied} of 150000 rows copied; completed, ${rows} rows equal, checksum ok`,
    );
  });

  it('source server restarted mid-stream under write load: the stream resumes from its stored position', async () => {
    const { database, target, handle } = await moveWithWorker(5_000, { postpone: true });
    await moveReaches(handle, 'the postpone gate', (s) => s.cutOver?.postponed === true);
    const before = sourceWriteLoad(database, 200);
    await new Promise((r) => setTimeout(r, 1_500));
    await before.stop();
    await restartStackPart(stack().dir, 'source');
    const after = sourceWriteLoad(database, 200);
    await new Promise((r) => setTimeout(r, 1_500));
    await handle.signal(releaseCutOverSignal);
    const result = await handle.result();
    const stats = await after.stop();
    expect(stats.errors).toEqual([]);
    expect(result.verify!.ok).toBe(true);
    // The fixture's connection died with the server: a new one.
    const fresh = await sql('source');
    defer(() => fresh.end());
    const rows = await parity(fresh, target, database);
    recordFault(
      'source server restarted mid-stream, writes before and after',
      'stream reconnects from its stored GTID position; parity',
      `completed, ${rows} rows equal, checksum ok`,
    );
  });

  it("the copy's and the stream's connections killed on the source: both resume", async () => {
    const { database, source, target, handle } = await moveWithWorker(150_000, { chunkSize: 500 });
    const held = await holdCopy(database, 5_000, defer);
    const [mine] = await source.query<mysql.RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
    // Every worker connection on the source: the binlog dump, the copy's transaction, the pools.
    const [victims] = await source.query<mysql.RowDataPacket[]>(
      "SELECT ID, COMMAND AS command FROM information_schema.PROCESSLIST WHERE USER = 'move_tables' AND ID <> ?",
      [Number(mine[0]!.id)],
    );
    expect(victims.some((v) => String(v.command).startsWith('Binlog Dump'))).toBe(true);
    expect(victims.length).toBeGreaterThanOrEqual(2);
    for (const v of victims) await source.query('KILL ?', [Number(v.ID)]).catch(() => undefined);
    await held.release();
    const result = await handle.result();
    expect(result.verify!.ok).toBe(true);
    const rows = await parity(source, target, database);
    recordFault(
      "copy's and stream's connections KILLed on the source",
      'activities retry and resume from the target state; parity',
      `completed, ${rows} rows equal; ${victims.length} connections killed (binlog dump included) with ${held.copied} of 150000 rows copied`,
    );
  });
  it.each([
    ['while it waited', false],
    ['during its read', true],
  ])('a chunk read on a session the server killed %s fails at once, so the copy can retry', async (_, during) => {
    const victim = await sql('source');
    const admin = await sql('source');
    defer(async () => {
      await victim.end().catch(() => undefined);
      await admin.end();
    });
    const [mine] = await victim.query<mysql.RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
    const kill = () => admin.query('KILL ?', [Number(mine[0]!.id)]);
    if (!during) {
      await kill();
      await new Promise((r) => setTimeout(r, 200));
    }
    // SLEEP keeps the read running while the server ends the session under it.
    const read = readLines(
      victim,
      { sql: 'SELECT SLEEP(?), 1', values: [during ? 3 : 0] },
      [true],
      new LineBuffer(),
      16,
    );
    if (during) setTimeout(() => void kill(), 300);
    const waited = new Promise((_, reject) =>
      setTimeout(() => reject(new Error('the read still waits after 5 s')), 5_000),
    );
    await expect(Promise.race([read, waited])).rejects.toThrow(/closed state|connection lost/i);
  });
});

describe('bad input: a clear error before any change', () => {
  it('rejects binlog settings, missing privileges and bad identifiers, and leaves both servers as they were', async () => {
    const { database, source, target } = await table(10);
    const limited = uniqueName('lim');
    const admin = await sql('source');
    defer(() => admin.end());
    await admin.query(`CREATE USER '${limited}'@'127.0.0.1' IDENTIFIED BY 'limited-pw'`);
    await admin.query(`GRANT SELECT ON *.* TO '${limited}'@'127.0.0.1'`);
    defer(async () => {
      await admin.query(`DROP USER '${limited}'@'127.0.0.1'`);
    });
    const { port } = testClusters().settings('source');
    const taskQueue = uniqueName('q');
    const worker = await startWorker(
      { taskQueue },
      {
        MOVE_TABLES_CLUSTER_LIMITED: stackClusterUrl(limited, 'limited-pw', port),
        // The source again, under another name.
        MOVE_TABLES_CLUSTER_ALIAS: stackClusterUrl('move_tables', testClusters().settings('source').password!, port),
      },
    );
    defer(() => worker.stop());
    const attempt = async (input: Partial<MoveTablesInput>) => {
      const handle = await startOneWayMove(
        client,
        { source: 'source', target: 'target', database, tables: ['t'], ...input },
        taskQueue,
      );
      return await failureOf(handle.result());
    };
    const observed: string[] = [];
    for (const [variable, bad, expected] of [
      [
        'binlog_format',
        'STATEMENT',
        /^BinlogMisconfigured: binlog_format is STATEMENT on source \(move_tables@127\.0\.0\.1:\d+\): it must be ROW$/,
      ],
      [
        'binlog_row_image',
        'MINIMAL',
        /^BinlogMisconfigured: binlog_row_image is MINIMAL on source .*: it must be FULL$/,
      ],
      [
        'binlog_row_metadata',
        'MINIMAL',
        /^BinlogMisconfigured: binlog_row_metadata is MINIMAL on source .*: it must be FULL \(SET GLOBAL binlog_row_metadata = FULL; dynamic, no restart\)\. Row images are decoded with the column names and types the binlog carries/,
      ],
    ] as const) {
      await admin.query(`SET GLOBAL ${variable} = '${bad}'`);
      try {
        const message = await attempt({});
        expect(message).toMatch(expected);
        observed.push(message.split(':')[0]!);
      } finally {
        await admin.query(`SET GLOBAL ${variable} = '${variable === 'binlog_format' ? 'ROW' : 'FULL'}'`);
      }
    }
    const privilege = await attempt({ source: 'limited' });
    expect(privilege).toMatch(
      /^MissingPrivilege: the worker's account on limited \(lim_\w+@127\.0\.0\.1:\d+\) lacks REPLICATION SLAVE, ALTER, DROP, CREATE, INSERT \(on \*\.\* or fault_\w+\.\*\), needed on the source/,
    );
    observed.push('MissingPrivilege');
    expect(await attempt({ target: 'alias', targetDatabase: `${database}_copy` })).toMatch(
      /^InvalidInput: source and target are the same server \(server_id 1, .*\): a move needs two servers/,
    );
    observed.push('InvalidInput (same server)');
    for (const [tables, pattern] of [
      [['t '], /InvalidInput: table "t " ends with a space/],
      [['t\0x'], /InvalidInput: table "t\\u0000x" must not contain the NUL character/],
      [['t😀'], /InvalidInput: table "t😀" holds a character outside the Basic Multilingual Plane/],
      [['x'.repeat(65)], /InvalidInput: table "x{65}" is 65 characters long/],
      [
        ['x'.repeat(62)],
        /InvalidInput: old table name "_x{62}_del" .* is 67 characters long.*set "oldTableTemplate" to "_\{table:59\}_del"/,
      ],
    ] as const) {
      expect(await attempt({ tables: [...tables] })).toMatch(pattern);
    }
    observed.push('InvalidInput x5');
    const [names] = await source.query<mysql.RowDataPacket[]>(
      'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
      [database],
    );
    expect(names.map((r) => r.t)).toEqual(['t']);
    const [onTarget] = await target.query<mysql.RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
      [database],
    );
    expect(Number(onTarget[0]!.n)).toBe(0);
    // A source without a binary log at all: a third server, started for this check.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'move-tables-nobinlog-'));
    const server = await startMariadb(
      ensureMariadb(),
      { name: 'nobinlog', dir, port: await freePort(), serverId: 3, gtidDomainId: 3, logBin: false },
      testClusters().settings('source').password!,
      false,
    );
    defer(async () => {
      await stopProcess(server.pid, server.configFile);
      rmSync(dir, { recursive: true, force: true });
    });
    const noBinlogWorker = await startWorker(
      { taskQueue: uniqueName('q') },
      {
        MOVE_TABLES_CLUSTER_NOBINLOG: `mysql://move_tables:${encodeURIComponent(testClusters().settings('source').password!)}@127.0.0.1:${server.port}`,
      },
    );
    defer(() => noBinlogWorker.stop());
    const plain = await mysql.createConnection({
      host: '127.0.0.1',
      port: server.port,
      user: 'move_tables',
      password: testClusters().settings('source').password!,
    });
    defer(() => plain.end());
    await plain.query(`CREATE DATABASE ${database}`);
    await plain.query(`CREATE TABLE ${database}.t (id INT PRIMARY KEY)`);
    const noBinlog = await startOneWayMove(
      client,
      { source: 'nobinlog', target: 'target', database, tables: ['t'] },
      noBinlogWorker.taskQueue,
    );
    expect(await failureOf(noBinlog.result())).toMatch(
      /^BinlogMisconfigured: binary log is off on nobinlog \(move_tables@127\.0\.0\.1:\d+\): enable log_bin$/,
    );
    observed.push('BinlogMisconfigured (log_bin off)');
    recordFault(
      'bad input: binary log off, binlog_format STATEMENT, binlog_row_image MINIMAL, binlog_row_metadata MINIMAL, source and target the same server, SELECT-only account, names the server refuses (trailing space, NUL, emoji, > 64 chars, an old name > 64 chars)',
      'typed error naming the problem; no change on either server',
      `${observed.join(', ')}; source unchanged, nothing created on the target`,
    );
  });
});
