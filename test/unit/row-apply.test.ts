import { describe, expect, it } from 'vitest';
import {
  copyInsertStatements,
  opsForUpdate,
  statementsFor,
  type RowOp,
  type TargetTable,
} from '../../activities/target/row-apply.js';

const t: TargetTable = { database: 'shop', table: 'orders', key: ['id'], generated: new Set<string>() };
const composite: TargetTable = {
  database: 'shop',
  table: 'lines',
  key: ['order_id', 'line'],
  generated: new Set<string>(),
};

describe('row apply statements', () => {
  it('upserts after-images in one multi-row statement', () => {
    const ops: RowOp[] = [
      { kind: 'upsert', table: t, row: { id: 1, v: 'a' } },
      { kind: 'upsert', table: t, row: { id: 2, v: 'b' } },
    ];
    expect(statementsFor(ops)).toEqual([
      {
        sql: 'INSERT INTO `shop`.`orders` (`id`, `v`) VALUES (?, ?), (?, ?) ON DUPLICATE KEY UPDATE `id` = VALUES(`id`), `v` = VALUES(`v`)',
        values: [1, 'a', 2, 'b'],
      },
    ]);
  });

  it('never writes the columns the target generates', () => {
    const withGenerated: TargetTable = { ...t, generated: new Set(['doubled']) };
    const ops: RowOp[] = [{ kind: 'upsert', table: withGenerated, row: { id: 1, v: 'a', doubled: 2 } }];
    expect(statementsFor(ops)).toEqual([
      {
        sql: 'INSERT INTO `shop`.`orders` (`id`, `v`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `id` = VALUES(`id`), `v` = VALUES(`v`)',
        values: [1, 'a'],
      },
    ]);
  });

  it('keeps statements of wide rows under max_allowed_packet', () => {
    const wide = Buffer.alloc(1024 * 1024, 7);
    const ops: RowOp[] = Array.from({ length: 10 }, (_, i) => ({ kind: 'upsert', table: t, row: { id: i, v: wide } }));
    const statements = statementsFor(ops);
    expect(statements.map((s) => s.values.length / 2)).toEqual([2, 2, 2, 2, 2]);
    // Copy rows arrive as SQL text built by the source: 1 MB of bytes is 2 MB of hex.
    const wideLiteral = (i: number) => `(${i}, X'${wide.toString('hex')}')`;
    const copies = copyInsertStatements(
      t,
      ['id', 'v'],
      Array.from({ length: 10 }, (_, i) => wideLiteral(i)),
    );
    expect(copies.map((s) => s.first)).toEqual([0, 2, 4, 6, 8]);
    expect(copies.every((s) => s.sql.length < 4.5 * 1024 * 1024)).toBe(true);
    expect(copyInsertStatements(t, ['id', 'v'], ["(1, X'61')", "(2, X'62')"])).toEqual([
      {
        sql: "INSERT INTO `shop`.`orders` (`id`, `v`) VALUES (1, X'61'),(2, X'62') ON DUPLICATE KEY UPDATE `id` = `id`",
        first: 0,
      },
    ]);
  });

  it('deletes by composite primary key', () => {
    const ops: RowOp[] = [
      { kind: 'delete', table: composite, row: { order_id: 7, line: 1, qty: 3 } },
      { kind: 'delete', table: composite, row: { order_id: 7, line: 2, qty: 1 } },
    ];
    expect(statementsFor(ops)).toEqual([
      { sql: 'DELETE FROM `shop`.`lines` WHERE (`order_id`, `line`) IN ((?, ?), (?, ?))', values: [7, 1, 7, 2] },
    ]);
  });

  it('turns a primary-key change into delete of the old key then upsert of the new row', () => {
    const ops = opsForUpdate(t, { id: 1, v: 'a' }, { id: 5, v: 'a' });
    expect(ops.map((op) => [op.kind, op.row.id])).toEqual([
      ['delete', 1],
      ['upsert', 5],
    ]);
    expect(opsForUpdate(t, { id: 1, v: 'a' }, { id: 1, v: 'b' }).map((op) => op.kind)).toEqual(['upsert']);
  });

  it('keeps the order of interleaved upserts and deletes', () => {
    const ops: RowOp[] = [
      { kind: 'upsert', table: t, row: { id: 1, v: 'a' } },
      { kind: 'delete', table: t, row: { id: 1, v: 'a' } },
      { kind: 'upsert', table: t, row: { id: 1, v: 'c' } },
    ];
    expect(statementsFor(ops).map((s) => s.sql.split(' ')[0])).toEqual(['INSERT', 'DELETE', 'INSERT']);
  });

  it('binds JSON documents as text and buffers as they are', () => {
    const [statement] = statementsFor([
      { kind: 'upsert', table: t, row: { id: 1, doc: { a: [1, 2] }, raw: Buffer.from([0, 255]) } },
    ]);
    expect(statement!.values).toEqual([1, '{"a":[1,2]}', Buffer.from([0, 255])]);
  });

  it('refuses a row image without its key column (binlog_row_image not FULL)', () => {
    expect(() => statementsFor([{ kind: 'delete', table: t, row: { v: 'a' } }])).toThrow(/lacks key column id/);
  });
});
