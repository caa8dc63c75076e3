// A move outlives a failed cutover attempt, on the real stack: a long transaction holding the
// table, a drain that times out, attempts used up (hold, retry, abort), binlogs purged while the
// worker is down, and the stream observed live at the gate. Each records its fault-table row.
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { fileURLToPath } from 'node:url';
import type mysql from 'mysql2/promise';
import { beforeAll, describe, expect, it } from 'vitest';
import { startOneWayMove } from '../support/one-way-move.js';
import { moveStatusQuery, releaseCutOverSignal, retryCutOverSignal } from '../../contract/definitions.js';
import type { MoveTablesInput } from '../../contract/move.js';
import { positionCovers } from '../../activities/stream/gtid.js';
import { cleanupAfterEach } from '../support/cleanups.js';
import { recordFault } from '../support/fault-report.js';
import { saveHistory } from '../support/histories.js';
import { allRows, sourceTableAndTarget, renamesInSourceBinlog, tableNames } from '../support/move-fixture.js';
import { sourceWriteLoad, ownedWorkerProcess, sql, startWorker, temporalClient, uniqueName } from '../support/stack.js';
import { eventually, failureOf, moveReaches } from '../support/waiting.js';

let client: Client;
const defer = cleanupAfterEach();
beforeAll(async () => {
  client = await temporalClient();
});

const table = (rows: number) => sourceTableAndTarget('attempt', rows, defer);

const workerProcess = (env: Record<string, string>, entry?: string) => ownedWorkerProcess(defer, env, entry);

async function inProcessWorker(): Promise<string> {
  const taskQueue = uniqueName('q');
  const worker = await startWorker({ taskQueue });
  defer(() => worker.stop());
  return taskQueue;
}

function move(database: string, taskQueue: string, input: Partial<MoveTablesInput> = {}) {
  return startOneWayMove(client, { source: 'source', target: 'target', database, tables: ['t'], ...input }, taskQueue);
}

/** An open transaction that has read the table: it holds the table's metadata lock until it ends. */
async function transactionHolding(database: string): Promise<mysql.Connection> {
  const blocker = await sql('source');
  defer(() => blocker.end());
  await blocker.query('BEGIN');
  await blocker.query(`SELECT * FROM ${database}.t LIMIT 1`);
  return blocker;
}

async function parity(source: mysql.Connection, target: mysql.Connection, database: string): Promise<number> {
  const frozen = await allRows(source, database, '_t_del');
  expect(await allRows(target, database, 't')).toEqual(frozen);
  return frozen.length;
}

const delayingWorker = fileURLToPath(new URL('../support/delaying-worker.ts', import.meta.url));

describe('cutover attempts on the real stack', () => {
  it('a transaction holding the table through attempt 1: not ready, no RENAME; the next attempt completes without re-copying', async () => {
    const { database, source, target } = await table(20_000);
    const taskQueue = await inProcessWorker();
    const handle = await move(database, taskQueue, {
      postpone: true,
      maxTransactionAgeSeconds: 1,
      cutOverRetryDelaySeconds: 2,
    });
    await moveReaches(handle, 'the postpone gate', (s) => s.cutOver?.postponed === true);
    const load = sourceWriteLoad(database, 100);
    const blocker = await transactionHolding(database);
    await new Promise((r) => setTimeout(r, 1_500));
    await handle.signal(releaseCutOverSignal);
    const afterFirst = await moveReaches(handle, 'attempt 1 to fail', (s) => s.attempts?.[0]?.outcome === 'failed');
    expect(afterFirst.attempts![0]).toMatchObject({ sourceState: 'unchanged', step: 'ready' });
    expect(afterFirst.attempts![0]!.cause).toMatch(/NotReady|a transaction older than 1 s holds a moved table/);
    expect(await renamesInSourceBinlog(source, database)).toEqual([]);
    await blocker.query('ROLLBACK');
    const result = await handle.result();
    const stats = await load.stop();
    const status = await handle.query(moveStatusQuery);
    expect(result.rowsCopied).toBe(afterFirst.rowsCopied);
    expect(result.verify!.ok).toBe(true);
    expect(status.attempts!.map((a) => a.outcome)).toEqual(['failed', 'completed']);
    const renames = await renamesInSourceBinlog(source, database);
    expect(renames).toHaveLength(1);
    const rows = await parity(source, target, database);
    await saveHistory('move-attempt-not-ready-then-completed', handle);
    await saveHistory('cutover-not-ready', client.workflow.getHandle(status.attempts![0]!.workflowId));
    recordFault(
      'a transaction holds a moved table through cutover attempt 1',
      'attempt 1 not ready before any RENAME; the move waits and attempt 2 completes; the copy is kept',
      `attempt 1 failed at ${afterFirst.attempts![0]!.step} (source unchanged); attempt 2 completed; ${result.rowsCopied} rows copied once; 1 RENAME; ${rows} rows equal after ${stats.inserts + stats.updates + stats.deletes} writes`,
    );
  });

  it('a drain timeout in attempt 1 is compensated; the next attempt completes', async () => {
    const { database, source, target } = await table(5_000);
    const env = { MOVE_TABLES_TASK_QUEUE: uniqueName('q') };
    // T1 is held 3 s on this worker before it renames: time for the test to stall the stream first.
    const worker = await workerProcess({ ...env, MOVE_TABLES_TEST_DELAY: 'renameSourceTables:3000' }, delayingWorker);
    const handle = await move(database, env.MOVE_TABLES_TASK_QUEUE, {
      drainTimeoutSeconds: 3,
      cutOverRetryDelaySeconds: 1,
    });
    await eventually('T1 of attempt 1', async () =>
      worker.output().includes('test-delay: renameSourceTables') ? true : undefined,
    );
    // The stream's state row locked on the target: the batch with the RENAME's GTID waits, so T3 cannot finish.
    const staller = await sql('target');
    defer(() => staller.end());
    await staller.query('BEGIN');
    await staller.query('SELECT * FROM _move_tables.streams WHERE stream_id = ? FOR UPDATE', [`source/${database}/t`]);
    const afterFirst = await moveReaches(handle, 'attempt 1 to fail', (s) => s.attempts?.[0]?.outcome === 'failed');
    await staller.query('ROLLBACK');
    expect(afterFirst.attempts![0]).toMatchObject({ sourceState: 'unchanged', step: 'T3' });
    expect(afterFirst.attempts![0]!.cause).toMatch(/drain timed out.*compensated/);
    const result = await handle.result();
    expect(result.verify!.ok).toBe(true);
    const renames = await renamesInSourceBinlog(source, database);
    // Forward, back (compensation), forward.
    expect(renames).toHaveLength(3);
    const rows = await parity(source, target, database);
    recordFault(
      'drain timeout in cutover attempt 1 (stream stalled on the target)',
      'attempt 1 compensated (renamed back); the next attempt completes; parity',
      `attempt 1 failed at T3, compensated; attempt 2 completed; 3 RENAMEs (forward, back, forward); ${rows} rows equal`,
    );
  });

  it('attempts used up: holds with the source unchanged; retryCutOver completes it', async () => {
    const { database, source, target } = await table(2_000);
    const taskQueue = await inProcessWorker();
    const blocker = await transactionHolding(database);
    const handle = await move(database, taskQueue, {
      cutOverAttempts: 2,
      cutOverRetryDelaySeconds: 1,
      maxTransactionAgeSeconds: 1,
    });
    const held = await moveReaches(handle, 'holding', (s) => s.phase === 'holding');
    expect(held.hold).toMatchObject({
      renamedTables: [],
      reason: expect.stringMatching(/^2 cutover attempt\(s\) failed/),
    });
    expect(held.attempts!.map((a) => a.outcome)).toEqual(['failed', 'failed']);
    await blocker.query('ROLLBACK');
    await handle.signal(retryCutOverSignal);
    const result = await handle.result();
    expect(result.verify!.ok).toBe(true);
    expect(await renamesInSourceBinlog(source, database)).toHaveLength(1);
    const rows = await parity(source, target, database);
    recordFault(
      'cutover attempts used up (a long transaction holds the table)',
      'the move holds, source unchanged; retryCutOver after the transaction ends completes it',
      `held after 2 failed attempts with no table renamed; retry completed attempt 3; 1 RENAME; ${rows} rows equal`,
    );
  });

  it('abort from a hold leaves the source as it was', async () => {
    const { database, source } = await table(2_000);
    const taskQueue = await inProcessWorker();
    const blocker = await transactionHolding(database);
    const handle = await move(database, taskQueue, { cutOverAttempts: 1, maxTransactionAgeSeconds: 1 });
    await moveReaches(handle, 'holding', (s) => s.phase === 'holding');
    await handle.cancel();
    const err = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    await blocker.query('ROLLBACK');
    expect(await tableNames(source, database)).toContain('t');
    expect(await renamesInSourceBinlog(source, database)).toEqual([]);
    await source.query(`INSERT INTO ${database}.t (v, n) VALUES ('after abort', 1)`);
    const status = await handle.query(moveStatusQuery);
    expect(status.phase).toBe('cancelled');
    recordFault(
      'abort while holding (source unchanged)',
      'the move ends cancelled; the source tables are where they were and take writes',
      'cancelled from holding; no RENAME in the binlog; insert into the source succeeded',
    );
  });

  it('binlogs purged while the worker is down: the move fails with BinlogPurged within 30 s, before any RENAME', async () => {
    const { database, source } = await table(1_000);
    const env = { MOVE_TABLES_TASK_QUEUE: uniqueName('q') };
    const first = await workerProcess(env);
    const handle = await move(database, env.MOVE_TABLES_TASK_QUEUE, { postpone: true });
    await moveReaches(handle, 'the postpone gate', (s) => s.cutOver?.postponed === true);
    await first.kill();
    // Writes the stream has not seen, then every binlog holding them purged.
    await source.query(
      `INSERT INTO ${database}.t (v, n) SELECT CONCAT('late-', seq), seq FROM ${database}.seq_1_to_50`,
    );
    await source.query('FLUSH BINARY LOGS');
    const [current] = await source.query<mysql.RowDataPacket[]>('SHOW MASTER STATUS');
    // The server keeps a log a (dead) dump thread still reads: purge until only the new log is left.
    await eventually('the old binlogs purged', async () => {
      await source.query(`PURGE BINARY LOGS TO '${String(current[0]!.File)}'`);
      const [logs] = await source.query<mysql.RowDataPacket[]>('SHOW BINARY LOGS');
      return logs.length === 1 ? true : undefined;
    });
    const restarted = Date.now();
    await workerProcess(env);
    const message = await failureOf(handle.result());
    const seconds = (Date.now() - restarted) / 1_000;
    expect(message).toMatch(
      /^BinlogPurged: the binlog stream failed: the binlogs the stream needs to resume from .* are no longer on source/,
    );
    expect(seconds).toBeLessThan(30);
    expect(await renamesInSourceBinlog(source, database)).toEqual([]);
    expect(await tableNames(source, database)).toContain('t');
    await source.query(`INSERT INTO ${database}.t (v, n) VALUES ('still writable', 1)`);
    recordFault(
      'source binlogs purged while the worker was down',
      'the move fails with BinlogPurged within 30 s of the new worker; 0 RENAMEs; source writable',
      `BinlogPurged ${seconds.toFixed(1)} s after the new worker started; 0 RENAMEs; source writable`,
    );
  });

  it('at the gate under writes, status shows the applied position advancing', async () => {
    const { database } = await table(1_000);
    const taskQueue = await inProcessWorker();
    const handle = await move(database, taskQueue, { postpone: true });
    await moveReaches(handle, 'the postpone gate', (s) => s.cutOver?.postponed === true);
    const load = sourceWriteLoad(database, 100);
    defer(async () => void (await load.stop()));
    const first = await moveReaches(handle, 'an observation', (s) => Boolean(s.stream?.observedAt));
    await new Promise((r) => setTimeout(r, 10_000));
    const second = await handle.query(moveStatusQuery);
    expect(second.stream!.observedAt > first.stream!.observedAt).toBe(true);
    expect(second.appliedGtid).not.toBe(first.appliedGtid);
    expect(positionCovers(second.appliedGtid!, first.appliedGtid!)).toBe(true);
    expect(second.stream).toMatchObject({ running: true });
    expect(second.stream!.lastError).toBeUndefined();
    await handle.signal(releaseCutOverSignal);
    await handle.result();
    recordFault(
      'postpone gate held under writes',
      'status refreshes the applied position and lag at least every 5 s',
      `applied ${first.appliedGtid} -> ${second.appliedGtid} in 10 s; lag ${second.streamLagMs} ms`,
    );
  });
});
