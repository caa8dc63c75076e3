// The cutover on MySQL 8.4 (GTID sets, gtid_executed, binary JSON), in containers. Runs where a
// Docker engine answers; elsewhere every test here is reported skipped ("no Docker engine"),
// never passed.
import { GenericContainer, Wait, getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cutOver } from '../../workflows/cutover.js';
import { streamTables } from '../../workflows/stream-tables.js';
import { startWorker, temporalClient, uniqueName } from '../support/stack.js';

const docker = await getContainerRuntimeClient().then(
  () => true,
  () => false,
);
if (!docker) console.warn('mysql84.test.ts: skipped: no Docker engine');

const PASSWORD = 'mt-test-only';
const FLAGS = [
  '--gtid-mode=ON',
  '--enforce-gtid-consistency=ON',
  '--log-bin=binlog',
  '--binlog-format=ROW',
  '--binlog-row-image=FULL',
  '--binlog-row-metadata=FULL',
  // The copy's LOAD DATA LOCAL INFILE (MySQL 8 has it off).
  '--local-infile=ON',
];

function mysql84(serverId: number) {
  return new GenericContainer('mysql:8.4')
    .withEnvironment({ MYSQL_ROOT_PASSWORD: PASSWORD })
    .withCommand([`--server-id=${serverId}`, ...FLAGS])
    .withExposedPorts(3306)
    .withWaitStrategy(Wait.forLogMessage(/ready for connections.*port: 3306/, 2))
    .withStartupTimeout(180_000);
}

describe.skipIf(!docker)(`cutover on MySQL 8.4 (testcontainers)${docker ? '' : ': skipped: no Docker engine'}`, () => {
  let source: StartedTestContainer;
  let target: StartedTestContainer;
  const url = (c: StartedTestContainer) => `mysql://root:${PASSWORD}@${c.getHost()}:${c.getMappedPort(3306)}`;
  const connect = (c: StartedTestContainer) =>
    mysql.createConnection({
      host: c.getHost(),
      port: c.getMappedPort(3306),
      user: 'root',
      password: PASSWORD,
      jsonStrings: true,
    });

  beforeAll(async () => {
    [source, target] = await Promise.all([mysql84(1).start(), mysql84(2).start()]);
  }, 300_000);
  afterAll(async () => {
    await Promise.all([source?.stop(), target?.stop()]);
  });

  it('streams, renames and drains with MySQL GTID sets', async () => {
    const taskQueue = uniqueName('q');
    const worker = await startWorker(
      { taskQueue },
      { MOVE_TABLES_CLUSTER_MYSQL_SOURCE: url(source), MOVE_TABLES_CLUSTER_MYSQL_TARGET: url(target) },
    );
    const src = await connect(source);
    const dst = await connect(target);
    try {
      for (const conn of [src, dst]) {
        await conn.query('CREATE DATABASE shop');
        await conn.query('CREATE TABLE shop.orders (id BIGINT PRIMARY KEY, doc JSON, amount DECIMAL(12,2))');
      }
      const [pos] = await src.query<mysql.RowDataPacket[]>('SELECT @@global.gtid_executed AS pos');
      const base = { source: 'mysql-source', target: 'mysql-target', database: 'shop', tables: ['orders'] };
      const client = await temporalClient();
      const stream = await client.workflow.start(streamTables, {
        taskQueue,
        workflowId: uniqueName('stream'),
        args: [{ ...base, startPosition: String(pos[0]!.pos) }],
      });
      await new Promise((r) => setTimeout(r, 2_000));
      await src.query(`INSERT INTO shop.orders VALUES (1, '{"a": 1}', 9.99), (2, NULL, 0)`);
      await src.query('UPDATE shop.orders SET amount = 10.5 WHERE id = 1');
      const result = await client.workflow.execute(cutOver, {
        taskQueue,
        workflowId: uniqueName('cutover'),
        args: [base],
      });
      expect(result.drainGtid).toMatch(/^[0-9a-f-]{36}:1-\d+$/);
      const [rows] = await dst.query<mysql.RowDataPacket[]>('SELECT id, doc, amount FROM shop.orders ORDER BY id');
      expect(rows.map((r) => ({ ...r }))).toEqual([
        { id: 1, doc: '{"a": 1}', amount: '10.50' },
        { id: 2, doc: null, amount: '0.00' },
      ]);
      expect(await stream.result()).toMatchObject({ stoppedBecause: 'cut-over-complete' });
    } finally {
      await src.end();
      await dst.end();
      await worker.stop();
    }
  });

  it('moves DECIMAL(20,0) keys past 2^53 whole in one-row chunks (MySQL compares a DECIMAL with a string as DOUBLE)', async () => {
    const taskQueue = uniqueName('q');
    const worker = await startWorker(
      { taskQueue },
      { MOVE_TABLES_CLUSTER_MYSQL_SOURCE: url(source), MOVE_TABLES_CLUSTER_MYSQL_TARGET: url(target) },
    );
    const src = await connect(source);
    const dst = await connect(target);
    try {
      await src.query('CREATE DATABASE snow');
      await src.query('CREATE TABLE snow.ids (id DECIMAL(20,0) PRIMARY KEY, n INT)');
      // Ten keys that are one double apart from none: 10000000000000000..10000000000000009.
      const keys = Array.from({ length: 10 }, (_, i) => `('1000000000000000${i}', ${i})`);
      await src.query(`INSERT INTO snow.ids VALUES ${keys.join(', ')}`);
      const client = await temporalClient();
      const result = await client.workflow.execute('moveTables', {
        taskQueue,
        workflowId: uniqueName('move'),
        args: [
          {
            source: 'mysql-source',
            target: 'mysql-target',
            database: 'snow',
            tables: ['ids'],
            chunkSize: 1,
            reversible: false,
          },
        ],
      });
      // Verified before the cutover at one MySQL GTID set (the snapshot opened under a brief read lock).
      expect(result).toMatchObject({
        rowsCopied: 10,
        verify: { ok: true, beforeCutOver: { position: expect.stringMatching(/^[0-9a-f-]{36}:/) as unknown } },
      });
      const [rows] = await dst.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM snow.ids');
      expect(Number(rows[0]!.n)).toBe(10);
    } finally {
      await src.end();
      await dst.end();
      await worker.stop();
    }
  });
});
