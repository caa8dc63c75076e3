// The default verification (`before-cutover`) on real servers under the application's writes: both
// sides compared at one source position while the stream runs; a difference holds the move before T1
// with its keys; a lost worker's comparison goes on from its last compared chunk.
import { defaultPayloadConverter } from '@temporalio/common';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type mysql from 'mysql2/promise';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DiffSlice } from '../../contract/activities.js';
import { moveStatusQuery, retryCutOverSignal } from '../../contract/definitions.js';
import type { moveTables } from '../../workflows/move-tables.js';
import { cleanupAfterEach } from '../support/cleanups.js';
import { fileURLToPath } from 'node:url';
import { recordFault } from '../support/fault-report.js';
import { saveHistory } from '../support/histories.js';
import { allRows, sourceTableAndTarget, tableNames } from '../support/move-fixture.js';
import { startOneWayMove } from '../support/one-way-move.js';
import { ownedWorker, sourceWriteLoad, spawnWorkerProcess, temporalClient, uniqueName } from '../support/stack.js';
import { eventually } from '../support/waiting.js';

const delayingWorker = fileURLToPath(new URL('../support/delaying-worker.ts', import.meta.url));
const defer = cleanupAfterEach();
let client: Client;
beforeAll(async () => {
  client = await temporalClient();
});

/**
 * Keys out of the write load's reach: it updates and deletes ids up to the largest below 1e12, and
 * inserts above the largest id (the extra row, below them, stays the target's own).
 */
const QUIET = 5_000_000_000_001;
const EXTRA = QUIET - 10;

async function quietRows(source: mysql.Connection, database: string): Promise<void> {
  await source.query(
    `INSERT INTO ${database}.t (id, v, n) VALUES (?, 'q1', 1), (?, 'q2', 2), (?, 'q3', 3), (?, 'q4', 4), (?, 'q5', 5)`,
    [QUIET, QUIET + 1, QUIET + 2, QUIET + 3, QUIET + 4],
  );
}

const keysOf = (keys: unknown[][]) => keys.map((k) => String(k[0])).sort();

describe('verification before the cutover (at one source position)', () => {
  it('finds no difference with 1,000 writes/s on the moved table, over several snapshot pairs', async () => {
    const { database, source, target } = await sourceTableAndTarget('vdiff', 150_000, defer);
    const load = sourceWriteLoad(database, 1_000);
    defer(() => load.stop().then(() => undefined));
    const handle = await startOneWayMove(
      client,
      {
        source: 'source',
        target: 'target',
        database,
        tables: ['t'],
        verifyChunkSize: 500,
        verifyMaxSnapshotSeconds: 0.5,
      },
      await ownedWorker(defer),
    );
    const result = await handle.result();
    const stats = await load.stop();
    expect(stats.errors).toEqual([]);
    expect(result.verify).toMatchObject({ ok: true });
    const at = result.verify!.beforeCutOver!;
    expect(at.passes).toBe(1);
    expect(at.snapshots).toBeGreaterThanOrEqual(2);
    expect(at.position).toMatch(/^\d+-\d+-\d+/);
    expect(result.verify!.tables[0]!.sourceRows).toBeGreaterThan(140_000);
    const status = await handle.query(moveStatusQuery);
    expect(status.verification).toMatchObject({ state: 'equal', pass: 1 });
    // Verified before anything was renamed: the first attempt came after it.
    expect(status.attempts).toHaveLength(1);
    expect(await allRows(target, database, 't')).toEqual(await allRows(source, database, '_t_del'));
    await saveHistory('move-verified-before-cutover', handle);
    const writes = stats.inserts + stats.updates + stats.keyChanges + stats.deletes;
    recordFault(
      'verification before the cutover while the application writes ~1,000/s to the moved table',
      'no false difference: both snapshots stand at one source position; the move completes',
      `equal at ${at.position} over ${at.snapshots} snapshot pairs, ${result.verify!.tables[0]!.sourceRows} rows; load ${writes} writes, no errors`,
    );
  });

  it('holds before T1 naming a swapped value, a missing row, an extra row, a rogue write and a changed number; retry re-checks only those ranges', async () => {
    const { database, source, target } = await sourceTableAndTarget('vdiffbad', 20_000, defer);
    await quietRows(source, database);
    const env = { MOVE_TABLES_TASK_QUEUE: uniqueName('q') };
    // The comparison held 4 s: the target is damaged meanwhile, as a bug or a stray writer would.
    const w = await spawnWorkerProcess({ ...env, MOVE_TABLES_TEST_DELAY: 'diffTables:4000:1' }, delayingWorker);
    defer(() => w.stop().catch(() => undefined));
    const load = sourceWriteLoad(database, 200);
    defer(() => load.stop().then(() => undefined));
    const handle = await startOneWayMove(
      client,
      { source: 'source', target: 'target', database, tables: ['t'], verifyChunkSize: 1_000 },
      env.MOVE_TABLES_TASK_QUEUE,
    );
    await eventually(
      'the comparison held',
      async () => (w.output().includes('test-delay: diffTables') ? true : undefined),
      {
        timeoutMs: 120_000,
      },
    );
    const t = `${database}.t`;
    // A swapped value, a missing row, an extra row, a rogue write.
    await target.query(`UPDATE ${t} SET v = IF(id = ?, 'q2', 'q1') WHERE id IN (?, ?)`, [QUIET, QUIET, QUIET + 1]);
    await target.query(`DELETE FROM ${t} WHERE id = ?`, [QUIET + 2]);
    await target.query(`INSERT INTO ${t} (id, v, n) VALUES (?, 'extra', 0)`, [EXTRA]);
    await target.query(`UPDATE ${t} SET v = 'rogue' WHERE id = ?`, [QUIET + 3]);
    // And a number changed, its text compared as it is (not hashed on its own).
    await target.query(`UPDATE ${t} SET n = 6 WHERE id = ?`, [QUIET + 4]);

    const status = await eventually(
      'the move holds with the differences',
      async () => {
        const s = await handle.query(moveStatusQuery);
        return s.phase === 'holding' && s.verification?.state === 'differs' ? s : undefined;
      },
      { timeoutMs: 120_000 },
    );
    expect(keysOf(status.verification!.differences.t!.keys)).toEqual(
      [QUIET, QUIET + 1, QUIET + 2, QUIET + 3, QUIET + 4, EXTRA].map(String).sort(),
    );
    expect(status.hold).toMatchObject({ renamedTables: [] });
    expect(status.hold!.reason).toMatch(
      /found differences at source position [\d-]+: t: [12] chunk\(s\) differ, keys /,
    );
    expect(status.attempts ?? []).toEqual([]);
    // Nothing renamed: the application still writes to the source table.
    expect(await tableNames(source, database)).toContain('t');
    await source.query(`UPDATE ${t} SET n = n + 1 WHERE id = 1`);

    // Repaired on the target; the retry compares again only the chunk that differed.
    await target.query(
      `UPDATE ${t} SET v = CASE id WHEN ? THEN 'q1' WHEN ? THEN 'q2' ELSE 'q4' END WHERE id IN (?, ?, ?)`,
      [QUIET, QUIET + 1, QUIET, QUIET + 1, QUIET + 3],
    );
    await target.query(`INSERT INTO ${t} (id, v, n) VALUES (?, 'q3', 3)`, [QUIET + 2]);
    await target.query(`DELETE FROM ${t} WHERE id = ?`, [EXTRA]);
    await target.query(`UPDATE ${t} SET n = 5 WHERE id = ?`, [QUIET + 4]);
    await handle.signal(retryCutOverSignal);
    const result = await handle.result();
    const stats = await load.stop();
    expect(stats.errors).toEqual([]);
    expect(result.verify).toMatchObject({ ok: true, beforeCutOver: { passes: 2 } });
    const after = await handle.query(moveStatusQuery);
    expect(after.verification).toMatchObject({ state: 'equal', pass: 2 });
    expect(after.verification!.rowsCompared).toBeLessThan(2_000);
    expect(await allRows(target, database, 't')).toEqual(await allRows(source, database, '_t_del'));
    recordFault(
      'a swapped value, a missing row, an extra row and a rogue write on the target before the cutover, under writes',
      'the move holds before T1 with the six keys (a number changed too), nothing renamed; retry re-checks only the differing chunk, then cuts over',
      `held naming ${keysOf(status.verification!.differences.t!.keys).length} keys; pass 2 compared ${after.verification!.rowsCompared} rows; completed, equal`,
    );
  });

  it('goes on from its last compared chunk on a new worker after the worker doing it is SIGKILLed', async () => {
    const { database, source, target } = await sourceTableAndTarget('vdiffkill', 200_000, defer);
    const env = { MOVE_TABLES_TASK_QUEUE: uniqueName('q') };
    const first = await spawnWorkerProcess(env);
    defer(() => first.stop().catch(() => undefined));
    const load = sourceWriteLoad(database, 200);
    defer(() => load.stop().then(() => undefined));
    const handle: WorkflowHandle<typeof moveTables> = await startOneWayMove(
      client,
      {
        source: 'source',
        target: 'target',
        database,
        tables: ['t'],
        verifyChunkSize: 500,
        verifyMaxSnapshotSeconds: 600,
      },
      env.MOVE_TABLES_TASK_QUEUE,
    );
    // Killed once the comparison has gone some way (its heartbeat says how far), and not all of it.
    const compared = await eventually(
      'the comparison under way',
      async () => {
        const { raw } = await handle.describe();
        const diff = raw.pendingActivities?.find((a) => a.activityType?.name === 'diffTables');
        const payload = diff?.heartbeatDetails?.payloads?.[0];
        if (!payload) return undefined;
        const slice = defaultPayloadConverter.fromPayload<DiffSlice>(payload);
        const chunks = slice.compared.t?.chunks ?? 0;
        return chunks >= 20 ? chunks : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 50 },
    );
    expect(compared).toBeLessThan(350);
    await first.kill();
    const second = await spawnWorkerProcess(env);
    defer(() => second.stop().catch(() => undefined));

    const result = await handle.result();
    const stats = await load.stop();
    expect(stats.errors).toEqual([]);
    expect(result.verify).toMatchObject({ ok: true });
    const status = await handle.query(moveStatusQuery);
    // The new worker went on after the chunks the lost one had compared, not from the start.
    expect(status.verification!.resumedChunks).toBeGreaterThanOrEqual(compared);
    const chunks = result.verify!.tables[0]!.chunks;
    expect(chunks).toBeLessThanOrEqual(Math.ceil(result.verify!.tables[0]!.sourceRows / 500) + 1);
    expect(await allRows(target, database, 't')).toEqual(await allRows(source, database, '_t_del'));
    recordFault(
      'SIGKILL of the worker comparing both sides before the cutover, under writes',
      'a new worker goes on from the last compared chunk with fresh snapshots; the move completes',
      `killed after ${compared} chunks; ${status.verification!.resumedChunks} chunks not compared again; ${chunks} chunks in all; equal`,
    );
  });
});
