// A reversible move on real servers: cut over under write load, the application writes to the
// target (inserts, updates, deletes, primary-key changes, a multi-row transaction) and the reverse
// stream keeps the source's renamed table equal to it; revert under that load, then cut over again,
// each switch leaving both sides equal row by row; complete. Prepare refuses a target whose binlog
// the reverse stream could not read.
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import type mysql from 'mysql2/promise';
import { beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { dropStandbyTables } from '../../activities/source/drop-standby.js';
import { startMove } from '../../client/moves.js';
import type { MoveStatus, MoveTablesInput } from '../../contract/move.js';
import { completeMoveSignal, releaseCutOverSignal, revertCutOverSignal } from '../../contract/definitions.js';
import { restartStackPart } from '../../dev/stack/stack.js';
import { startWriteLoad } from '../../dev/write-load.js';
import { cleanupAfterEach } from '../support/cleanups.js';
import { recordFault } from '../support/fault-report.js';
import { saveHistory } from '../support/histories.js';
import { allRows, createSourceTable, renamesInSourceBinlog, tableNames } from '../support/move-fixture.js';
import {
  sourceWriteLoad,
  spawnWorkerProcess,
  sql,
  stack,
  temporalClient,
  testClusters,
  uniqueName,
  ownedWorker,
  type WorkerProcess,
} from '../support/stack.js';
import { eventually, failureOf, moveReaches } from '../support/waiting.js';

let client: Client;
const defer = cleanupAfterEach();
const delayingWorker = fileURLToPath(new URL('../support/delaying-worker.ts', import.meta.url));
beforeAll(async () => {
  client = await temporalClient();
});

/** Resolves with the row count once `a`.`aTable` and `b`.`bTable` hold the same rows. */
async function equalRows(
  what: string,
  a: mysql.Connection,
  aTable: string,
  b: mysql.Connection,
  bTable: string,
  database: string,
): Promise<number> {
  return eventually(
    what,
    async () => {
      const [aRows, bRows] = await Promise.all([allRows(a, database, aTable), allRows(b, database, bTable)]);
      return JSON.stringify(aRows) === JSON.stringify(bRows) ? aRows.length : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
}

/**
 * The application's writes on one side: single statements at a steady rate, and one multi-row
 * transaction; `meanwhile` (a switch) runs after `seconds` with the load still on, which it turns away.
 */
async function applicationWrites(
  side: 'source' | 'target',
  conn: mysql.Connection,
  database: string,
  seconds: number,
  /** The transaction's new ids start here: each call its own. */
  base: number,
  meanwhile?: () => Promise<unknown>,
) {
  const clusters = testClusters();
  try {
    const load = startWriteLoad({
      connection: clusters.connectionOptions(side),
      database,
      table: 't',
      ratePerSecond: 300,
      primaryKeyChanges: 0.05,
    });
    await conn.query('BEGIN');
    await conn.query(`INSERT INTO ${database}.t (id, v, n) VALUES (?, 'tx-a', 1), (?, 'tx-b', 2)`, [
      base + 1,
      base + 2,
    ]);
    await conn.query(`UPDATE ${database}.t SET v = 'tx-updated' WHERE id IN (?, ?, ?)`, [
      base / 1e6,
      base / 1e6 + 10,
      20,
    ]);
    await conn.query(`UPDATE ${database}.t SET id = ? WHERE id = ?`, [base + 3, base / 1e6 + 100]);
    await conn.query(`DELETE FROM ${database}.t WHERE id = ?`, [base / 1e6 + 200]);
    await conn.query('COMMIT');
    await sleep(seconds * 1_000);
    await meanwhile?.();
    const stats = await load.stop();
    expect(stats.errors).toEqual([]);
    return stats.inserts + stats.updates + stats.keyChanges + stats.deletes + 1;
  } finally {
    await clusters.close();
  }
}

/**
 * A reversible move on a worker process holding `delay` (MOVE_TABLES_TEST_DELAY), once it is on the
 * target and the application has written there.
 */
async function onTargetWithDelayingWorker(delay: string, input: Partial<MoveTablesInput>) {
  const { database, source } = await createSourceTable('revkill', 1_000);
  defer(() => source.end());
  const target = await sql('target');
  defer(() => target.end());
  const env = { MOVE_TABLES_TASK_QUEUE: uniqueName('q') };
  const first = await spawnWorkerProcess({ ...env, MOVE_TABLES_TEST_DELAY: delay }, delayingWorker);
  defer(() => first.stop().catch(() => undefined));
  const handle = await startMove(
    client,
    { source: 'source', target: 'target', database, tables: ['t'], reversible: true, ...input },
    env.MOVE_TABLES_TASK_QUEUE,
  );
  await moveReaches(handle, 'on-target', (s) => s.phase === 'on-target');
  await target.query(`INSERT INTO ${database}.t (v, n) VALUES ('written on the target', 1)`);
  await target.query(`UPDATE ${database}.t SET v = 'changed on the target' WHERE id < 50`);
  await target.query(`DELETE FROM ${database}.t WHERE id BETWEEN 50 AND 59`);
  return { database, source, target, handle, first, env };
}

async function held(worker: WorkerProcess, activity: string): Promise<void> {
  await eventually(
    `${activity} held on the worker`,
    async () => (worker.output().includes(`test-delay: ${activity}`) ? true : undefined),
    { timeoutMs: 120_000 },
  );
}

/** The application's side holds the table in place, the other side only its frozen copy, with the same rows. Returns them. */
async function expectLiveOn(live: mysql.Connection, frozen: mysql.Connection, database: string) {
  expect(await tableNames(live, database)).toEqual(['t']);
  expect(await tableNames(frozen, database)).toEqual(['_t_del']);
  const rows = await allRows(live, database, 't');
  expect(rows).toEqual(await allRows(frozen, database, '_t_del'));
  return rows;
}

/** Reverted: the source's table in place and equal to the target's frozen one, one RENAME per step. Returns the rows. */
async function expectReverted(source: mysql.Connection, target: mysql.Connection, database: string): Promise<number> {
  const rows = await expectLiveOn(source, target, database);
  expect(rows).toContainEqual(expect.objectContaining({ v: 'written on the target' }));
  // Never two RENAMEs: the cutover's and T4b on the source, the revert's T1 on the target.
  expect(await renamesInSourceBinlog(source, database)).toHaveLength(2);
  expect(await renamesInSourceBinlog(target, database)).toHaveLength(1);
  return rows.length;
}

describe('a reversible move (real servers)', () => {
  it('keeps the unused side current; revert and cut over again under write load (Temporal restarted while reverted), each switch leaving both sides equal; complete', async () => {
    const { database, source } = await createSourceTable('rev', 5_000);
    defer(() => source.end());
    const target = await sql('target');
    defer(() => target.end());
    const handle = await startMove(
      client,
      // Reversible: the default.
      { source: 'source', target: 'target', database, tables: ['t'], cutOverRetryDelaySeconds: 1 },
      await ownedWorker(defer),
    );
    const reaches = (phase: string, switches: number) =>
      moveReaches(
        handle,
        `${phase} after ${switches} switch(es)`,
        (s) => s.phase === phase && (s.switches?.length ?? 0) === switches,
      );

    // Cut over under write load; then the application writes to the target.
    const sourceLoad = sourceWriteLoad(database, 200);
    const onTarget = await reaches('on-target', 0);
    expect((await sourceLoad.stop()).errors).toEqual([]);
    expect(onTarget).toMatchObject({ liveSide: 'target', standby: { side: 'source' } });
    // 30 s of the application's writes on the target, then a revert under them: the target frozen,
    // drained into the source, the source's table back in place.
    let onSource: MoveStatus | undefined;
    const onTargetWrites = await applicationWrites('target', target, database, 30, 9_000_000, async () => {
      await handle.signal(revertCutOverSignal);
      onSource = await reaches('on-source', 1);
    });
    expect(onSource).toMatchObject({
      liveSide: 'source',
      standby: { side: 'target' },
      switches: [{ direction: 'revert' }],
    });
    await expectLiveOn(source, target, database);
    // Temporal restarted while reverted: the move and its standby stream carry on from history.
    await restartStackPart(stack().dir, 'temporal');
    const onSourceWrites = await applicationWrites('source', source, database, 8, 8_000_000);
    const afterRevert = await equalRows(
      "the target's renamed table to equal the source",
      target,
      '_t_del',
      source,
      't',
      database,
    );

    // Cut over again: the source frozen, the target's table back in place.
    await handle.signal(releaseCutOverSignal);
    await reaches('on-target', 2);
    await expectLiveOn(target, source, database);
    const againWrites = await applicationWrites('target', target, database, 5, 7_000_000);
    // While the application is on the target: the source's renamed table follows it.
    const rows = await equalRows(
      "the source's renamed table to equal the target",
      source,
      '_t_del',
      target,
      't',
      database,
    );

    await handle.signal(completeMoveSignal, { dropStandbyTables: true });
    const result = await handle.result();
    expect(result.verify!.ok).toBe(true);
    expect(result.afterCutOver).toMatchObject({
      liveSide: 'target',
      completedBecause: 'complete',
      switches: [{ direction: 'revert' }, { direction: 'forward' }],
      standby: { side: 'source' },
      droppedTables: [`${database}._t_del`],
    });
    // Asked to: the source's renamed table dropped; the target's live one kept.
    expect(await tableNames(source, database)).toEqual([]);
    expect(await tableNames(target, database)).toEqual(['t']);
    // Each switch: one RENAME freezing the live side, one putting the other side's table in place.
    expect(await renamesInSourceBinlog(source, database)).toHaveLength(3);
    expect(await renamesInSourceBinlog(target, database)).toHaveLength(2);
    await saveHistory('move-reversible-reverted-completed', handle);
    recordFault(
      'a reversible move reverted and cut over again under write load (inserts, updates, deletes, key changes, transactions on each live side), Temporal restarted while reverted',
      'after each switch both sides hold the same rows; the unused side is kept current; complete ends the move',
      `${onTargetWrites} writes on the target, reverted under them: ${afterRevert} rows equal; ${onSourceWrites} writes on the source; cut over again, ${againWrites} more on the target: ${rows} rows equal; completed`,
    );
  });

  it('a worker SIGKILLed during the revert, at T3 and then at T4b, loses nothing: one RENAME per step, both sides equal', async () => {
    // The first worker holds the revert's T3 (the move's second drain; the first is the cutover's).
    const { database, source, target, handle, first, env } = await onTargetWithDelayingWorker('awaitDrain:60000:1:1', {
      drainTimeoutSeconds: 120,
    });
    await handle.signal(revertCutOverSignal);
    await held(first, 'awaitDrain');
    // The attempt reports its steps to the move: the drain GTID arrives with T3's report.
    const atT3 = await moveReaches(handle, "the revert's T3", (s) => s.cutOver?.step === 'T3' && !!s.cutOver.drainGtid);
    const drainGtid = atT3.cutOver!.drainGtid;
    await first.kill();
    // The second picks the drain up from history (same drain GTID), then holds T4b: killed too.
    const second = await spawnWorkerProcess({ ...env, MOVE_TABLES_TEST_DELAY: 'renameBack:60000:1' }, delayingWorker);
    defer(() => second.stop().catch(() => undefined));
    await held(second, 'renameBack');
    await second.kill();
    const third = await spawnWorkerProcess(env);
    defer(() => third.stop().catch(() => undefined));

    const onSource = await moveReaches(handle, 'on-source', (s) => s.phase === 'on-source');
    expect(onSource.switches).toMatchObject([{ direction: 'revert', drainGtid }]);
    const rows = await expectReverted(source, target, database);
    await handle.signal(completeMoveSignal);
    expect((await handle.result()).afterCutOver).toMatchObject({ liveSide: 'source', completedBecause: 'complete' });
    recordFault(
      'worker SIGKILLed during a revert: at T3 (the drain into the source), then the next one at T4b',
      'each step resumes on the next worker from history; one RENAME per step; both sides equal',
      `reverted with drain GTID ${drainGtid}; ${rows} rows equal; RENAMEs: 2 on the source, 1 on the target`,
    );
  });

  it.each([
    {
      step: 'T0 (on-before-cut-over)',
      activity: 'runHooks',
      skip: 2,
      outcome: 'the attempt fails, nothing renamed; the next one reverts',
    },
    {
      step: 'T1',
      activity: 'renameSourceTables',
      skip: 1,
      outcome: 'the inspection finds nothing renamed; the next attempt reverts',
    },
    { step: 'T2', activity: 'captureDrainGtid', skip: 1, outcome: 'T2 runs again on the next worker' },
    { step: 'T4', activity: 'setCutOverComplete', skip: 1, outcome: 'T4 runs again on the next worker' },
    {
      step: 'T5 (on-success)',
      activity: 'runHooks',
      skip: 3,
      outcome: 'the revert stands (T4, T4b done); status says to route by hand',
    },
  ])(
    "a worker SIGKILLed at the revert's $step: $outcome; one RENAME per side",
    async ({ step, activity, skip, outcome }) => {
      // Held on the revert's run of the activity (the cutover's runs pass).
      const { database, source, target, handle, first, env } = await onTargetWithDelayingWorker(
        `${activity}:60000:1:${skip}`,
        { cutOverRetryDelaySeconds: 1 },
      );
      await handle.signal(revertCutOverSignal);
      await held(first, activity);
      await first.kill();
      const second = await spawnWorkerProcess(env);
      defer(() => second.stop().catch(() => undefined));

      const onSource = await moveReaches(handle, 'on-source', (s) => s.phase === 'on-source');
      const rows = await expectReverted(source, target, database);
      if (step.startsWith('T5'))
        expect(onSource.lastError).toMatch(/^the revert completed \(T4, T4b\), but a step after them failed/);
      await handle.signal(completeMoveSignal);
      expect((await handle.result()).afterCutOver).toMatchObject({ liveSide: 'source' });
      recordFault(
        `worker SIGKILLed at a revert's ${step}`,
        outcome,
        `reverted; ${rows} rows equal; RENAMEs: 2 on the source, 1 on the target; ${onSource.attempts?.length} attempt(s)`,
      );
    },
  );

  it('dropping the standby tables refuses a side where the moved name exists (it may be live)', async () => {
    const { database, source } = await createSourceTable('revdrop', 3);
    defer(() => source.end());
    await source.query(`CREATE TABLE ${database}._t_del LIKE ${database}.t`);
    const clusters = testClusters();
    defer(() => clusters.close());
    const input = { cluster: 'source', database, tables: ['t'], oldTableTemplate: '_{table}_del' };
    await expect(new MockActivityEnvironment().run(() => dropStandbyTables(clusters, input))).rejects.toThrow(
      new RegExp(`^not dropping the renamed tables on .*: ${database}\\.t exist there under their moved names`),
    );
    expect((await tableNames(source, database)).sort()).toEqual(['_t_del', 't']);
    await source.query(`DROP TABLE ${database}.t`);
    await expect(new MockActivityEnvironment().run(() => dropStandbyTables(clusters, input))).resolves.toEqual({
      dropped: [`${database}._t_del`],
    });
    expect(await tableNames(source, database)).toEqual([]);
  });

  it('prepare refuses a reversible move whose target binlog the reverse stream could not read, before anything changes', async () => {
    const { database, source } = await createSourceTable('revbad', 10);
    defer(() => source.end());
    const target = await sql('target');
    defer(() => target.end());
    await target.query('SET GLOBAL binlog_row_metadata = MINIMAL');
    defer(async () => {
      await target.query('SET GLOBAL binlog_row_metadata = FULL');
    });
    const handle = await startMove(
      client,
      { source: 'source', target: 'target', database, tables: ['t'] },
      await ownedWorker(defer),
    );
    expect(await failureOf(handle.result())).toMatch(
      /^BinlogMisconfigured: a reversible move streams the target's changes back to the source after the cutover, so the target's binlog must be streamable too: binlog_row_metadata is MINIMAL on target .* \(or start the move with reversible: false\)$/,
    );
    const [tables] = await target.query(`SHOW TABLES IN ${database}`).catch(() => [[]]);
    expect(tables).toEqual([]);
  });

  it("prepare refuses a reversible move when a revert's name is taken on the target", async () => {
    const { database, source } = await createSourceTable('revname', 10);
    defer(() => source.end());
    const target = await sql('target');
    defer(() => target.end());
    await target.query(`CREATE DATABASE ${database}`);
    await target.query(`CREATE TABLE ${database}._t_del (id INT PRIMARY KEY)`);
    const handle = await startMove(
      client,
      { source: 'source', target: 'target', database, tables: ['t'] },
      await ownedWorker(defer),
    );
    expect(await failureOf(handle.result())).toBe(
      `RenameStateConflict: ${database}._t_del already exists on the target: a revert of this reversible move would rename t to it there; drop or rename it first`,
    );
    expect(await tableNames(target, database)).toEqual(['_t_del']);
  });
});
