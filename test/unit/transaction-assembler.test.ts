import { describe, expect, it } from 'vitest';
import type { TargetTable } from '../../activities/target/row-apply.js';
import {
  TransactionAssembler,
  type BinlogEventLike,
  type CompletedTransaction,
} from '../../activities/stream/transaction-assembler.js';

const orders: TargetTable = { database: 'shop_new', table: 'orders', key: ['id'], generated: new Set<string>() };
const TABLE_ID = 42;
const OTHER_ID = 43;
const tableMap = {
  [TABLE_ID]: { parentSchema: 'shop', tableName: 'orders' },
  [OTHER_ID]: { parentSchema: 'shop', tableName: 'customers' },
};

function event(name: string, fields: Partial<BinlogEventLike> = {}): BinlogEventLike {
  return { getEventName: () => name, timestamp: 1_000, ...fields };
}
const gtid = (g: string) => event('mariadbgtid', { gtid: g });
const rows = (name: 'writerows' | 'updaterows' | 'deleterows', tableId: number, r: BinlogEventLike['rows']) =>
  event(name, { tableMap, tableId, rows: r });

function assembler() {
  const done: CompletedTransaction[] = [];
  const a = new TransactionAssembler(
    { database: 'shop', renames: new Map([['orders', '_orders_del']]) },
    new Map([['orders', orders]]),
    (tx) => done.push(tx),
  );
  return { a, done };
}

describe('TransactionAssembler', () => {
  it('completes a transaction at its Xid with the moved table rows as ops, in order', () => {
    const { a, done } = assembler();
    a.handle(gtid('1-1-5'));
    a.handle(rows('writerows', TABLE_ID, [{ id: 1, v: 'a' }]));
    a.handle(rows('updaterows', TABLE_ID, [{ before: { id: 1, v: 'a' }, after: { id: 2, v: 'a' } }]));
    a.handle(rows('deleterows', TABLE_ID, [{ id: 2, v: 'a' }]));
    expect(done).toEqual([]);
    a.handle(event('xid'));
    expect(done).toHaveLength(1);
    expect(done[0]!.gtid).toBe('1-1-5');
    expect(done[0]!.ops.map((op) => [op.kind, op.row.id])).toEqual([
      ['upsert', 1],
      ['delete', 1],
      ['upsert', 2],
      ['delete', 2],
    ]);
  });

  it('ignores rows of tables that are not moved, but still completes their GTID', () => {
    const { a, done } = assembler();
    a.handle(gtid('1-1-6'));
    a.handle(rows('writerows', OTHER_ID, [{ id: 9 }]));
    a.handle(event('query', { query: 'COMMIT' }));
    expect(done).toEqual([expect.objectContaining({ gtid: '1-1-6', ops: [] })]);
  });

  it('completes a DDL at its own query event and marks the cutover RENAME', () => {
    const { a, done } = assembler();
    a.handle(gtid('1-1-7'));
    a.handle(event('query', { query: 'RENAME TABLE `shop`.`orders` TO `shop`.`_orders_del`', schema: 'shop' }));
    expect(done).toEqual([expect.objectContaining({ gtid: '1-1-7', cutoverRename: 'forward' })]);
    a.handle(gtid('1-1-8'));
    a.handle(event('query', { query: 'CREATE TABLE shop.audit (id INT)', schema: 'shop' }));
    expect(done.map((tx) => tx.gtid)).toEqual(['1-1-7', '1-1-8']);
  });

  it('a new GTID completes the previous group even without a commit marker', () => {
    const { a, done } = assembler();
    a.handle(gtid('1-1-9'));
    a.handle(rows('writerows', TABLE_ID, [{ id: 3 }]));
    a.handle(gtid('1-1-10'));
    expect(done.map((tx) => tx.gtid)).toEqual(['1-1-9']);
  });

  it('fails with UnsupportedDdl on other DDL of a moved table, naming the GTID and the statement', () => {
    const { a } = assembler();
    a.handle(gtid('1-1-11'));
    expect(() =>
      a.handle(event('query', { query: 'ALTER TABLE orders ADD COLUMN x INT', schema: 'shop', gtid: '1-1-11' })),
    ).toThrow(
      expect.objectContaining({
        type: 'UnsupportedDdl',
        message: expect.stringMatching(/shop\.orders.*1-1-11.*ALTER TABLE orders/),
      }),
    );
  });

  it('fails with BinlogMisconfigured on a transaction without a GTID', () => {
    const { a } = assembler();
    a.handle(rows('writerows', TABLE_ID, [{ id: 4 }]));
    expect(() => a.handle(event('xid'))).toThrow(expect.objectContaining({ type: 'BinlogMisconfigured' }));
  });
});

describe('TransactionAssembler: XA and big transactions', () => {
  const xaGroup = (a: TransactionAssembler, gtid: string, id: number, xid: string) => {
    a.handle(gtid_(gtid));
    a.handle(rows_('writerows', TABLE_ID, [{ id, v: 'xa' }]));
    a.handle(event('query', { query: `XA END ${xid}` }));
  };
  const gtid_ = (g: string) => event('mariadbgtid', { gtid: g });
  const rows_ = (name: 'writerows', tableId: number, r: BinlogEventLike['rows']) =>
    event(name, { tableMap, tableId, rows: r });

  it('hands on a prepared XA transaction as prepared, and its decision later, with the xid of both', () => {
    const { a, done } = assembler();
    xaGroup(a, '1-1-6', 1, "X'7831',X'',1");
    a.handle(gtid_('1-1-7'));
    a.handle(event('query', { query: "XA COMMIT X'7831',X'',1" }));
    xaGroup(a, '1-1-8', 2, "X'7832', X'', 1");
    a.handle(gtid_('1-1-9'));
    a.handle(event('query', { query: "XA ROLLBACK X'7832',X'',1" }));
    expect(done.map((tx) => [tx.gtid, tx.xa, tx.ops.length])).toEqual([
      ['1-1-6', { phase: 'prepare', xid: "X'7831',X'',1" }, 1],
      ['1-1-7', { phase: 'commit', xid: "X'7831',X'',1" }, 0],
      ['1-1-8', { phase: 'prepare', xid: "X'7832',X'',1" }, 1],
      ['1-1-9', { phase: 'rollback', xid: "X'7832',X'',1" }, 0],
    ]);
  });

  it('commits a one-phase XA transaction with its own rows', () => {
    const { a, done } = assembler();
    xaGroup(a, '1-1-10', 3, "X'7833',X'',1");
    a.handle(event('query', { query: "XA COMMIT X'7833',X'',1 ONE PHASE" }));
    expect(done).toEqual([
      expect.objectContaining({ gtid: '1-1-10', ops: [expect.objectContaining({ kind: 'upsert' })] }),
    ]);
    expect(done[0]!.xa).toBeUndefined();
  });

  it('hands on a big transaction in parts; only the last completes its GTID', () => {
    const done: CompletedTransaction[] = [];
    const a = new TransactionAssembler(
      { database: 'shop', renames: new Map() },
      new Map([['orders', orders]]),
      (tx) => done.push(tx),
      3,
    );
    a.handle(gtid_('1-1-11'));
    for (let id = 1; id <= 7; id++) a.handle(rows_('writerows', TABLE_ID, [{ id }]));
    a.handle(event('xid'));
    expect(done.map((tx) => [tx.gtid, tx.ops.length])).toEqual([
      [undefined, 3],
      [undefined, 3],
      ['1-1-11', 1],
    ]);
  });

  it('says since when a transaction is being read, parts handed on or not, until it completes', () => {
    const done: CompletedTransaction[] = [];
    const a = new TransactionAssembler(
      { database: 'shop', renames: new Map() },
      new Map([['orders', orders]]),
      (tx) => done.push(tx),
      2,
    );
    expect(a.openSince()).toBeUndefined();
    a.handle(event('mariadbgtid', { gtid: '1-1-12', timestamp: 5_000 }));
    for (let id = 1; id <= 4; id++) a.handle(rows_('writerows', TABLE_ID, [{ id }]));
    // Two parts handed on, nothing queued may remain: the stream still trails since 5,000.
    expect(done).toHaveLength(2);
    expect(a.openSince()).toBe(5_000);
    a.handle(event('xid'));
    expect(a.openSince()).toBeUndefined();
  });

  it('hands on a transaction of wide rows in parts by size, with the size of each part', () => {
    const done: CompletedTransaction[] = [];
    const a = new TransactionAssembler(
      { database: 'shop', renames: new Map() },
      new Map([['orders', orders]]),
      (tx) => done.push(tx),
      50_000,
      1_000,
    );
    a.handle(gtid_('1-1-14'));
    for (let id = 1; id <= 5; id++) a.handle(rows_('writerows', TABLE_ID, [{ id, v: 'x'.repeat(400) }]));
    a.handle(event('xid'));
    expect(done.map((tx) => [tx.gtid, tx.ops.length, tx.bytes])).toEqual([
      [undefined, 3, 3 * (8 + 404)],
      ['1-1-14', 2, 2 * (8 + 404)],
    ]);
  });

  it('keeps a big prepared XA transaction whole: its rows wait for the decision', () => {
    const done: CompletedTransaction[] = [];
    const a = new TransactionAssembler(
      { database: 'shop', renames: new Map() },
      new Map([['orders', orders]]),
      (tx) => done.push(tx),
      2,
    );
    a.handle(gtid_('1-1-12'));
    a.handle(rows_('writerows', TABLE_ID, [{ id: 1 }]));
    a.handle(event('query', { query: "XA END X'01',X'',1" }));
    a.handle(gtid_('1-1-13'));
    expect(done.map((tx) => [tx.gtid, tx.ops.length, tx.xa?.phase])).toEqual([['1-1-12', 1, 'prepare']]);
  });
});

describe('TransactionAssembler: values zongji decodes wrongly', () => {
  it('turns the year 0000, which zongji decodes as 1900, back into 0', () => {
    const { a, done } = assembler();
    const yearMap = {
      [TABLE_ID]: {
        parentSchema: 'shop',
        tableName: 'orders',
        columns: [
          { name: 'id', type: 3 },
          { name: 'y', type: 13 },
        ],
      },
    };
    a.handle(event('mariadbgtid', { gtid: '1-1-20' }));
    a.handle(
      event('writerows', {
        tableMap: yearMap,
        tableId: TABLE_ID,
        rows: [
          { id: 1, y: 1900 },
          { id: 2, y: 2024 },
        ],
      }),
    );
    a.handle(event('xid'));
    expect(done[0]!.ops.map((op) => op.row.y)).toEqual([0, 2024]);
  });

  it('has the geometry columns of a moved table decoded as their stored bytes', () => {
    const { a } = assembler();
    const columns = [
      { name: 'id', type: 3, charset: null },
      { name: 'p', type: 255, charset: undefined },
      { name: 'note', type: 252, charset: 'utf8mb4' },
    ];
    const otherColumns = [{ name: 'p', type: 255 }];
    const maps = {
      [TABLE_ID]: { parentSchema: 'shop', tableName: 'orders', columns },
      [OTHER_ID]: { parentSchema: 'shop', tableName: 'customers', columns: otherColumns },
    };
    a.handle(event('tablemap', { tableMap: maps, tableId: TABLE_ID }));
    a.handle(event('tablemap', { tableMap: maps, tableId: OTHER_ID }));
    expect(columns.map((c) => [c.type, c.charset])).toEqual([
      [3, null],
      [252, null],
      [252, 'utf8mb4'],
    ]);
    expect(otherColumns[0]!.type).toBe(255);
  });

  it('refuses a change to a moved table binlogged as a statement or as a partial row image, naming no value', () => {
    const { a } = assembler();
    a.handle(gtid('1-1-30'));
    expect(() =>
      a.handle(event('query', { query: "UPDATE orders SET note = 'secret' WHERE id = 1", schema: 'shop' })),
    ).toThrow(/^a change to shop\.orders reached the binlog as a statement \(UPDATE at GTID 1-1-30\).*binlog_format/);
    try {
      a.handle(event('query', { query: "UPDATE orders SET note = 'secret'", schema: 'shop' }));
    } catch (err) {
      expect((err as Error).message).not.toContain('secret');
    }
    // Statements on other tables are not the stream's concern.
    const other = assembler();
    other.a.handle(gtid('1-1-31'));
    other.a.handle(event('query', { query: 'UPDATE customers SET n = 1', schema: 'shop' }));
    expect(other.done).toHaveLength(1);
    // binlog_row_image=MINIMAL: 1 of 2 columns present.
    const partial = assembler();
    partial.a.handle(gtid('1-1-32'));
    const full = Buffer.from([0b11]);
    partial.a.handle(
      event('writerows', {
        tableMap,
        tableId: TABLE_ID,
        rows: [{ id: 1, v: 'a' }],
        numberOfColumns: 2,
        columns_present_bitmap: full,
      }),
    );
    expect(() =>
      partial.a.handle(
        event('updaterows', {
          tableMap,
          tableId: TABLE_ID,
          rows: [{ before: { id: 1 }, after: { id: 1, v: 'b' } }],
          numberOfColumns: 2,
          columns_present_bitmap: Buffer.from([0b01]),
          columns_present_bitmap2: full,
        }),
      ),
    ).toThrow(/shop\.orders at GTID 1-1-32 arrived as a partial row image: .*binlog_row_image MINIMAL or NOBLOB/);
  });
});
