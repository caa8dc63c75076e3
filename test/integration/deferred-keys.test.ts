// The copy leaves a created table's plain secondary keys out of its load and builds them once the
// rows are in, online, while the stream applies the application's writes (real servers). A worker
// SIGKILLed while its ALTER waits on the target loses nothing: the next one waits out or redoes it.
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import type mysql from 'mysql2/promise';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareMove } from '../../activities/preflight/prepare-move.js';
import { createTableText } from '../../activities/table-info.js';
import { moveStatusQuery } from '../../contract/definitions.js';
import { normalizeTables } from '../../contract/tables.js';
import type { PrepareResult } from '../../contract/activities.js';
import type { MoveStatus } from '../../contract/move.js';
import { cleanupAfterEach } from '../support/cleanups.js';
import { recordFault } from '../support/fault-report.js';
import { saveHistory } from '../support/histories.js';
import { allRows, sourceTableAndTarget, tableDefinition } from '../support/move-fixture.js';
import { startOneWayMove } from '../support/one-way-move.js';
import {
  sourceWriteLoad,
  spawnWorkerProcess,
  sql,
  temporalClient,
  testClusters,
  uniqueName,
} from '../support/stack.js';
import { eventually, moveReaches } from '../support/waiting.js';

const delayingWorker = fileURLToPath(new URL('../support/delaying-worker.ts', import.meta.url));
const defer = cleanupAfterEach();
let client: Client;
beforeAll(async () => {
  client = await temporalClient();
});

async function keyNames(conn: mysql.Connection, database: string): Promise<string[]> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    "SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't'",
    [database],
  );
  return rows.map((r) => String(r.name)).sort();
}

/** The build's ALTER on the target's process list: its id and state. */
async function buildOnTarget(target: mysql.Connection, database: string) {
  const [rows] = await target.query<mysql.RowDataPacket[]>(
    "SELECT ID AS id, STATE AS state FROM information_schema.PROCESSLIST WHERE INFO LIKE '/* move-tables: deferred keys */%' AND INFO LIKE ?",
    [`%${database}%`],
  );
  return rows[0] as { id: number; state: string } | undefined;
}

describe('secondary keys deferred by the copy (real servers)', () => {
  it('builds them after the copy under writes; a worker SIGKILLed while its ALTER waits loses nothing', async () => {
    const { database, source, target } = await sourceTableAndTarget('dkeys', 100_000, defer);
    await source.query(
      `ALTER TABLE ${database}.t ADD KEY v (v), ADD UNIQUE KEY n_id (n, id), ADD KEY n_v (n, v) COMMENT 'both'`,
    );
    const before = await tableDefinition(source, database, 't');
    const env = { MOVE_TABLES_TASK_QUEUE: uniqueName('q') };
    const first = await spawnWorkerProcess(env);
    defer(() => first.stop().catch(() => undefined));
    const load = sourceWriteLoad(database, 200, 0);
    defer(() => load.stop().then(() => undefined));
    const handle = await startOneWayMove(
      client,
      { source: 'source', target: 'target', database, tables: ['t'] },
      env.MOVE_TABLES_TASK_QUEUE,
    );

    // Once prepare has created the table: the unique key is there from the start, the plain ones are not.
    await moveReaches(handle, 'the copy', (s: MoveStatus) => s.phase === 'copy');
    expect(await keyNames(target, database)).toEqual(['PRIMARY', 'n_id']);
    // A reader's open transaction on the target holds the table's metadata: the build's ALTER waits for it.
    const reader = await sql('target');
    defer(() => reader.end());
    await reader.query('BEGIN');
    await reader.query(`SELECT COUNT(*) FROM ${database}.t WHERE id = 1`);
    const waiting = await eventually('the build waiting on the target', () => buildOnTarget(target, database), {
      timeoutMs: 120_000,
    });
    const status = await handle.query(moveStatusQuery);
    expect(status).toMatchObject({ phase: 'copy', deferredKeys: { state: 'adding', keys: 2, tables: 1 } });
    expect(status.rowsCopied).toBeGreaterThanOrEqual(100_000);

    await first.kill();
    const second = await spawnWorkerProcess(env);
    defer(() => second.stop().catch(() => undefined));
    // Past the lost attempt's heartbeat timeout, the new worker's attempt has started and waits too.
    await new Promise((resolve) => setTimeout(resolve, 35_000));
    const stillWaiting = await buildOnTarget(target, database);
    expect((await handle.query(moveStatusQuery)).phase).toBe('copy');
    await reader.query('COMMIT');

    await moveReaches(handle, 'the keys built', (s: MoveStatus) => s.deferredKeys?.state === 'added');
    const result = await handle.result();
    const stats = await load.stop();
    expect(stats.errors).toEqual([]);
    expect(result.verify).toMatchObject({ ok: true });
    expect(await tableDefinition(target, database, 't')).toBe(before);
    expect(await allRows(target, database, 't')).toEqual(await allRows(source, database, '_t_del'));
    await saveHistory('move-deferred-keys-lost-worker', handle);
    const sameBuild = stillWaiting?.id === waiting.id;
    recordFault(
      'SIGKILL of the worker while its ALTER building the deferred secondary keys waits on the target, under writes',
      'the next worker waits out the lost ALTER (or builds the keys again); the table ends with every key as the source had; the move completes',
      `lost ALTER ${sameBuild ? 'still running on the server: waited out' : 'gone with its session: built again'}; definitions equal; ${result.rowsCopied} rows copied, ${stats.inserts + stats.updates + stats.deletes} writes; verify ok`,
    );
  });

  it('waits out an ALTER of the keys still running on the target (as a lost worker leaves one), then adds only what it lacks', async () => {
    const { database, source, target } = await sourceTableAndTarget('dkeysleft', 20_000, defer);
    await source.query(`ALTER TABLE ${database}.t ADD KEY v (v), ADD KEY n_v (n, v)`);
    const before = await tableDefinition(source, database, 't');
    const reader = await sql('target');
    const left = await sql('target');
    defer(async () => {
      await reader.end();
      await left.end();
    });
    // The build held 5 s before it runs: the lost worker's ALTER is on the server by then.
    const env = { MOVE_TABLES_TASK_QUEUE: uniqueName('q'), MOVE_TABLES_TEST_DELAY: 'addDeferredKeys:5000' };
    const worker = await spawnWorkerProcess(env, delayingWorker);
    defer(() => worker.stop().catch(() => undefined));
    const handle = await startOneWayMove(
      client,
      { source: 'source', target: 'target', database, tables: ['t'], postpone: true },
      env.MOVE_TABLES_TASK_QUEUE,
    );
    await moveReaches(handle, 'the keys being built', (s: MoveStatus) => s.deferredKeys?.state === 'adding');
    // The lost worker's ALTER, as the server still runs it: marked as the move marks its own, waiting on a reader.
    await reader.query('BEGIN');
    await reader.query(`SELECT COUNT(*) FROM ${database}.t WHERE id = 1`);
    const leftBuild = left
      .query(
        `/* move-tables: deferred keys */ ALTER TABLE \`${database}\`.\`t\` ADD KEY v (v), ALGORITHM=INPLACE, LOCK=NONE`,
      )
      .then(() => 'added v');
    await eventually(
      'the held build started',
      async () => /test-delay: addDeferredKeys/.test(worker.output()) || undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    // Past the hold, the move's own ALTER has not started: one build on the target, the one left.
    const [builds] = await target.query<mysql.RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE '/* move-tables: deferred keys */%' AND INFO LIKE ?",
      [`%${database}%`],
    );
    expect(Number(builds[0]!.n)).toBe(1);
    await reader.query('COMMIT');
    expect(await leftBuild).toBe('added v');
    const gate = await moveReaches(handle, 'the postpone gate', (s: MoveStatus) => s.cutOver?.postponed === true);
    expect(gate.deferredKeys).toMatchObject({ state: 'added', keys: 2 });
    expect(await tableDefinition(target, database, 't')).toBe(before);
    expect(worker.output()).toMatch(/ALTER of t is still running \(process \d+\): waiting for it/);
    await handle.cancel();
  });

  it('a retried prepare finds the keys an earlier attempt left out; a table the operator created whole keeps its own', async () => {
    const { database, source, target } = await sourceTableAndTarget('dkeysprep', 10, defer);
    await source.query(`ALTER TABLE ${database}.t ADD KEY v (v), ADD UNIQUE KEY n_id (n, id)`);
    const clusters = testClusters();
    defer(() => clusters.close());
    const input = {
      ...normalizeTables({ source: 'source', target: 'target', database, tables: ['t'] }),
      deferSecondaryKeys: true,
    };
    const prepare = (): Promise<PrepareResult> => new MockActivityEnvironment().run(prepareMove, clusters, input);
    const first = await prepare();
    expect(first.createdTables).toEqual(['t']);
    expect(first.deferredKeys).toEqual({ t: [{ name: 'v', definition: 'KEY `v` (`v`)' }] });
    expect(await keyNames(target, database)).toEqual(['PRIMARY', 'n_id']);
    // The attempt is retried (its worker lost after the table was made): the table is found empty.
    const retried = await prepare();
    expect(retried.createdTables).toEqual([]);
    expect(retried.deferredKeys).toEqual(first.deferredKeys);
    // Made by the operator with every key: nothing deferred, nothing to build.
    await target.query(`DROP TABLE ${database}.t`);
    await target.query(`USE ${database}`);
    await target.query(await createTableText(source, database, 't'));
    const existing = await prepare();
    expect(existing.createdTables).toEqual([]);
    expect(existing.deferredKeys).toBeUndefined();
  });
});
