// Smoke tests: the ground every other test stands on is real and configured as documented.
import ZongJi, { type AnyBinlogEvent } from '@vlasky/zongji';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeClusters } from '../../workflows/describe-clusters.js';
import { TASK_QUEUE } from '../../contract/move.js';
import { sql, stack, startWorker, temporalClient, testClusters, uniqueName } from '../support/stack.js';
import { eventually } from '../support/waiting.js';

type Row = mysql.RowDataPacket;

describe('embedded stack', () => {
  let source: mysql.Connection;
  let target: mysql.Connection;
  const db = uniqueName('smoke');

  beforeAll(async () => {
    source = await sql('source');
    target = await sql('target');
    await source.query(`CREATE DATABASE ${db}`);
    await source.query(`CREATE TABLE ${db}.t (id INT PRIMARY KEY, v VARCHAR(20))`);
  });
  afterAll(async () => {
    await source?.query(`DROP DATABASE IF EXISTS ${db}`);
    await source?.end();
    await target?.end();
  });

  it('runs source and target with distinct server ids, GTID domains and ROW/FULL binlogs', async () => {
    for (const [conn, id] of [
      [source, 1],
      [target, 2],
    ] as const) {
      const [rows] = await conn.query<Row[]>(
        'SELECT @@server_id AS id, @@gtid_domain_id AS domain, @@log_bin AS logBin, @@binlog_format AS format, @@binlog_row_image AS image, @@binlog_row_metadata AS metadata',
      );
      const r = rows[0]!;
      expect([Number(r.id), Number(r.domain), Number(r.logBin), r.format, r.image, r.metadata]).toEqual([
        id,
        id,
        1,
        'ROW',
        'FULL',
        'FULL',
      ]);
    }
  });

  it('advances the source GTID position on every write', async () => {
    const position = async () => {
      const [rows] = await source.query<Row[]>('SELECT @@global.gtid_binlog_pos AS pos');
      return String(rows[0]!.pos);
    };
    const before = await position();
    await source.query(`INSERT INTO ${db}.t VALUES (1, 'a')`);
    const after = await position();
    const seq = (pos: string) => Number(/(?:^|,)1-1-(\d+)/.exec(pos)?.[1] ?? 0);
    expect(seq(after)).toBe(seq(before) + 1);
  });

  it('streams a row event from the source binlog with its GTID (zongji)', async () => {
    const [posRows] = await source.query<Row[]>('SELECT @@global.gtid_binlog_pos AS pos');
    const zongji = new ZongJi({ ...testClusters().connectionOptions('source') });
    const events: AnyBinlogEvent[] = [];
    const ready = new Promise<void>((resolve, reject) => {
      zongji.once('ready', () => resolve());
      zongji.once('error', reject);
    });
    zongji.on('binlog', (event) => events.push(event));
    zongji.start({
      serverId: 9001,
      gtidSet: String(posRows[0]!.pos),
      includeEvents: ['mariadbgtid', 'tablemap', 'writerows'],
      includeSchema: { [db]: ['t'] },
    });
    try {
      await ready;
      await source.query(`INSERT INTO ${db}.t VALUES (2, 'streamed')`);
      const [gtidRows] = await source.query<Row[]>('SELECT @@last_gtid AS gtid');
      const write = await eventually(
        'the row event',
        async () => events.find((e) => e.getEventName() === 'writerows'),
        {
          timeoutMs: 10_000,
        },
      );
      expect(write!.gtid).toBe(gtidRows[0]!.gtid);
      expect((write as unknown as { rows: unknown[] }).rows).toEqual([{ id: 2, v: 'streamed' }]);
    } finally {
      await new Promise<void>((resolve) => {
        zongji.once('stopped', () => resolve());
        zongji.stop();
      });
    }
  });

  it('runs a workflow on the Temporal dev server through a real worker', async () => {
    const worker = await startWorker();
    try {
      const client = await temporalClient();
      const workflowId = uniqueName('describe');
      const result = await client.workflow.execute(describeClusters, {
        taskQueue: TASK_QUEUE,
        workflowId,
        args: [['source', 'target']],
      });
      expect(result.map((c) => [c.cluster, c.flavor, c.serverId, c.binlogFormat])).toEqual([
        ['source', 'mariadb', 1, 'ROW'],
        ['target', 'mariadb', 2, 'ROW'],
      ]);
      expect(result[0]!.gtidPosition).toMatch(/^(?:\d+-\d+-\d+,)*1-1-\d+/);
      // Names travel through Temporal; credentials do not.
      const history = JSON.stringify(await client.workflow.getHandle(workflowId).fetchHistory());
      const password = testClusters().settings('source').password!;
      expect(history).not.toContain(password);
      expect(stack().temporal.address).toMatch(/^127\.0\.0\.1:\d+$/);
    } finally {
      await worker.stop();
    }
  });
});
