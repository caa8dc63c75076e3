// The whole move on real servers: prepare, stream, copy, catch-up, cutover, verify.
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type mysql from 'mysql2/promise';
import { beforeAll, describe, expect, it } from 'vitest';
import { MoveAlreadyRunningError } from '../../client/moves.js';
import { startOneWayMove } from '../support/one-way-move.js';
import {
  moveStatusQuery,
  pauseSignal,
  releaseCutOverSignal,
  resumeSignal,
  setChunkSizeSignal,
} from '../../contract/definitions.js';
import type { MoveTablesInput } from '../../contract/move.js';
import { cleanupAfterEach } from '../support/cleanups.js';
import { recordFault } from '../support/fault-report.js';
import { saveHistory } from '../support/histories.js';
import { allRows, tableNames, TABLE_DDL } from '../support/move-fixture.js';
import { ownedWorker, sourceWriteLoad, sql, temporalClient, uniqueName } from '../support/stack.js';
import { eventually, moveReaches } from '../support/waiting.js';

let client: Client;
const defer = cleanupAfterEach();
beforeAll(async () => {
  client = await temporalClient();
});

/** A source database with tables; nothing on the target (prepare creates it). */
async function sourceDatabase(tables: Record<string, { ddl: string; fill?: string }>) {
  const database = uniqueName('move');
  const source = await sql('source');
  const target = await sql('target');
  defer(async () => {
    await source.end();
    await target.end();
  });
  await source.query(`CREATE DATABASE ${database}`);
  for (const [name, { ddl, fill }] of Object.entries(tables)) {
    await source.query(`CREATE TABLE ${database}.${name} ${ddl}`);
    if (fill) await source.query(fill.replaceAll('{db}', database));
  }
  return { database, source, target };
}

const SEQ_FILL = (n: number) =>
  `INSERT INTO {db}.t (id, v, n) SELECT seq, CONCAT('row-', seq), seq FROM {db}.seq_1_to_${n}`;

describe('moveTables', () => {
  it('moves a table under inserts, updates, key changes and deletes; verify finds parity', async () => {
    const { database, source, target } = await sourceDatabase({ t: { ddl: TABLE_DDL, fill: SEQ_FILL(30_000) } });
    const taskQueue = await ownedWorker(defer);
    const load = sourceWriteLoad(database, 250);
    const handle = await startOneWayMove(
      client,
      { source: 'source', target: 'target', database, tables: ['t'], chunkSize: 2_000 },
      taskQueue,
    );
    const result = await handle.result();
    const stats = await load.stop();
    expect(stats.errors).toEqual([]);
    expect(stats.keyChanges).toBeGreaterThan(0);
    expect(stats.deletes).toBeGreaterThan(0);
    expect(result.rowsCopied).toBeGreaterThanOrEqual(29_000);
    expect(result.verify).toMatchObject({ ok: true, tables: [{ table: 't', mismatchedChunks: 0 }] });
    expect(result.verify!.tables[0]!.sourceRows).toBe(result.verify!.tables[0]!.targetRows);
    expect(await allRows(target, database, 't')).toEqual(await allRows(source, database, '_t_del'));
    expect(await handle.query(moveStatusQuery)).toMatchObject({ phase: 'done', cutOver: { step: 'T6' } });
    await saveHistory('move-tables-under-load', handle);
  });

  it('moves two tables at once, renamed in one statement', async () => {
    const { database, source, target } = await sourceDatabase({
      a: { ddl: TABLE_DDL, fill: SEQ_FILL(5_000).replace('{db}.t', '{db}.a') },
      b: { ddl: TABLE_DDL, fill: SEQ_FILL(3_000).replace('{db}.t', '{db}.b') },
    });
    const taskQueue = await ownedWorker(defer);
    const handle = await startOneWayMove(
      client,
      { source: 'source', target: 'target', database, tables: ['a', 'b'] },
      taskQueue,
    );
    await source.query(`UPDATE ${database}.a SET v = 'during' WHERE id < 100`);
    const result = await handle.result();
    expect(result.cutOver.renamedTables.map((r) => r.to)).toEqual([`${database}._a_del`, `${database}._b_del`]);
    expect(result.verify!.ok).toBe(true);
    expect(await tableNames(source, database)).toEqual(['_a_del', '_b_del']);
    expect(await allRows(target, database, 'a')).toEqual(await allRows(source, database, '_a_del'));
    expect(await allRows(target, database, 'b')).toEqual(await allRows(source, database, '_b_del'));
  });

  it('keeps every type exact: composite key, JSON, DECIMAL, DATETIME(6), BLOB, utf8mb4, ENUM, NULLs', async () => {
    const ddl = `(tenant INT NOT NULL, id BIGINT UNSIGNED NOT NULL, doc JSON, amount DECIMAL(20,6), at DATETIME(6), raw BLOB,
      name VARCHAR(100) CHARACTER SET utf8mb4, state ENUM('new','paid','void'), note TEXT NULL, PRIMARY KEY (tenant, id)) CHARACTER SET utf8mb4`;
    const row = (tenant: number, id: string, name: string) =>
      `(${tenant}, ${id}, '{"a": [1, 2.5, "x"], "ü": null}', 12345678901234.123456, '2024-02-29 23:59:59.999999', X'00FF10', '${name}', 'paid', NULL)`;
    const { database, source, target } = await sourceDatabase({
      typed: {
        ddl,
        fill: `INSERT INTO {db}.typed VALUES ${row(1, '1', 'Zoë 🚀 naïve')}, ${row(1, '18446744073709551615', '漢字')}, ${row(2, '1', '')}`,
      },
    });
    const taskQueue = await ownedWorker(defer);
    const handle = await startOneWayMove(
      client,
      { source: 'source', target: 'target', database, tables: ['typed'], postpone: true },
      taskQueue,
    );
    await moveReaches(handle, 'postponed cutover', (s) => s.cutOver?.step === 'postponed');
    // Changes streamed through the binlog, not copied.
    await source.query(`INSERT INTO ${database}.typed VALUES ${row(3, '7', 'streamed 😀')}`);
    await source.query(
      `UPDATE ${database}.typed SET amount = -0.000001, at = '1999-12-31 00:00:00.000001', raw = X'', state = 'void', note = 'n' WHERE tenant = 1 AND id = 1`,
    );
    await source.query(`UPDATE ${database}.typed SET id = 2 WHERE tenant = 2 AND id = 1`);
    await handle.signal(releaseCutOverSignal);
    const result = await handle.result();
    expect(result.verify!.ok).toBe(true);
    const order = 'ORDER BY tenant, id';
    const [expected] = await source.query<mysql.RowDataPacket[]>(`SELECT * FROM ${database}._typed_del ${order}`);
    const [actual] = await target.query<mysql.RowDataPacket[]>(`SELECT * FROM ${database}.typed ${order}`);
    expect(actual).toEqual(expected);
    expect(actual.map((r) => [r.tenant, r.id, r.name])).toEqual([
      [1, '1', 'Zoë 🚀 naïve'],
      [1, '18446744073709551615', '漢字'],
      [2, '2', ''],
      [3, '7', 'streamed 😀'],
    ]);
    expect(actual[0]!.amount).toBe('-0.000001');
    expect(actual[0]!.at).toBe('1999-12-31 00:00:00.000001');
    // The document's own text, spacing included, not a re-serialisation.
    expect(actual[1]!.doc).toBe('{"a": [1, 2.5, "x"], "ü": null}');
  });

  it('reports a corrupted target row with its key range and key, without failing the completed move', async () => {
    const { database, target } = await sourceDatabase({ t: { ddl: TABLE_DDL, fill: SEQ_FILL(2_500) } });
    const taskQueue = await ownedWorker(defer);
    const handle = await startOneWayMove(
      client,
      {
        source: 'source',
        target: 'target',
        database,
        tables: ['t'],
        postpone: true,
        verify: 'after-release',
        verifyChunkSize: 1_000,
      },
      taskQueue,
    );
    await moveReaches(handle, 'postponed cutover', (s) => s.cutOver?.step === 'postponed');
    await target.query(`UPDATE ${database}.t SET v = 'corrupted' WHERE id = 1500`);
    await handle.signal(releaseCutOverSignal);
    // After release the cutover has completed: the difference is reported, with its key, not failed.
    const result = await handle.result();
    expect(result.verify).toMatchObject({ ok: false, afterRelease: true });
    expect(result.verify!.tables[0]).toMatchObject({
      chunks: 3,
      mismatchedChunks: 1,
      mismatches: [
        { afterKey: ['1000'], upToKey: ['2000'], sourceRows: 1000, targetRows: 1000, differingKeys: [['1500']] },
      ],
    });
    expect(await handle.query(moveStatusQuery)).toMatchObject({
      phase: 'done',
      lastError: expect.stringMatching(/^verification after release found differences in t \(1 keys listed\)/),
    });
  });

  it('shows progress, pauses, resumes, changes chunk size, and is findable by phase', async () => {
    const { database, target } = await sourceDatabase({ t: { ddl: TABLE_DDL, fill: SEQ_FILL(60_000) } });
    const taskQueue = await ownedWorker(defer);
    const input: MoveTablesInput = { source: 'source', target: 'target', database, tables: ['t'], chunkSize: 500 };
    const handle = await startOneWayMove(client, input, taskQueue);
    await expect(startOneWayMove(client, input, taskQueue)).rejects.toBeInstanceOf(MoveAlreadyRunningError);
    recordFault(
      'second move of a table already being moved',
      'refused with a clear message',
      'MoveAlreadyRunningError naming the running workflow; the first move went on',
    );
    await handle.signal(pauseSignal);
    await moveReaches(handle, 'paused copy', (s) => s.paused && s.phase === 'copy');
    await new Promise((r) => setTimeout(r, 1_500));
    // Nothing copied while paused: the status says so and so does the target.
    const stillPaused = await handle.query(moveStatusQuery);
    expect(stillPaused).toMatchObject({ paused: true, rowsCopied: 0 });
    expect(stillPaused.estimatedRows).toBeGreaterThan(50_000);
    const [count] = await target.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${database}.t`);
    expect(Number(count[0]!.n)).toBe(0);
    const visibility = `MoveTablesPhase = 'copy' AND WorkflowId = '${handle.workflowId}'`;
    const listed = await eventually(
      `a workflow matching ${visibility}`,
      async () => {
        for await (const execution of client.workflow.list({ query: visibility })) return execution.workflowId;
        return undefined;
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    expect(listed).toBe(handle.workflowId);
    await handle.signal(setChunkSizeSignal, 20_000);
    await handle.signal(resumeSignal);
    const result = await handle.result();
    expect(result.rowsCopied).toBe(60_000);
    expect(await handle.query(moveStatusQuery)).toMatchObject({
      phase: 'done',
      chunkSize: 20_000,
      paused: false,
      etaSeconds: 0,
    });
  });

  it('starts from its own position, not from state an abandoned earlier move left on the target', async () => {
    const { database, source, target } = await sourceDatabase({ t: { ddl: TABLE_DDL, fill: SEQ_FILL(3_000) } });
    const taskQueue = await ownedWorker(defer);
    // What an abandoned move of the same table leaves: a stream position from long ago, a finished copy.
    const streamId = `source/${database}/t`;
    await target.query('CREATE DATABASE IF NOT EXISTS _move_tables');
    await target.query(
      'CREATE TABLE IF NOT EXISTS _move_tables.streams (stream_id VARCHAR(191) NOT NULL PRIMARY KEY, applied_position TEXT NOT NULL, cut_over_complete TINYINT NOT NULL DEFAULT 0, drain_gtid TEXT NULL, updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3))',
    );
    await target.query('INSERT INTO _move_tables.streams (stream_id, applied_position) VALUES (?, ?)', [
      streamId,
      '1-1-1',
    ]);
    const handle = await startOneWayMove(
      client,
      { source: 'source', target: 'target', database, tables: ['t'] },
      taskQueue,
    );
    const result = await handle.result();
    expect(result.rowsCopied).toBe(3_000);
    expect(result.verify!.ok).toBe(true);
    expect(await allRows(target, database, 't')).toEqual(await allRows(source, database, '_t_del'));
  });

  it('rejects bad input with a clear error before any change', async () => {
    const { database, source, target } = await sourceDatabase({ t: { ddl: TABLE_DDL }, nokey: { ddl: '(a INT)' } });
    const taskQueue = await ownedWorker(defer);
    await target.query(`CREATE DATABASE ${database}`);
    await target.query(`CREATE TABLE ${database}.t ${TABLE_DDL}`);
    await target.query(`INSERT INTO ${database}.t (v, n) VALUES ('already', 1)`);
    const cases: Array<[Partial<MoveTablesInput>, RegExp]> = [
      [{ tables: ['t'] }, /TargetNotEmpty: target table move_\w+\.t already holds rows/],
      [
        { tables: ['nokey'] },
        /NoPrimaryKey: table move_\w+\.nokey on source .* has no primary key and no unique key of NOT NULL columns/,
      ],
      [{ tables: ['absent'] }, /MissingTable: table move_\w+\.absent does not exist on source/],
      [{ database: 'no_such_db', tables: ['t'] }, /MissingTable: database no_such_db does not exist/],
      [{ target: 'elsewhere', tables: ['t'] }, /UnknownCluster: unknown cluster "elsewhere"/],
      [{ tables: ['t'], chunkSize: 0 }, /InvalidInput: "chunkSize" must be a positive number, got 0/],
      [{ tables: ['t'], verify: 'sometimes' as never }, /InvalidInput: "verify" must be/],
    ];
    for (const [input, expected] of cases) {
      const handle = await startOneWayMove(
        client,
        { source: 'source', target: 'target', database, tables: ['t'], ...input },
        taskQueue,
      );
      const err = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      const cause = (err as WorkflowFailedError).cause as Error & { type?: string };
      expect(`${cause.type}: ${cause.message}`).toMatch(expected);
    }
    expect(await tableNames(source, database)).toEqual(['nokey', 't']);
    expect(await tableNames(target, database)).toEqual(['t']);
  });
});
