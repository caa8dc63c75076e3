import { describe, expect, it } from 'vitest';
import { classifyQuery, type WatchedTables } from '../../activities/stream/ddl.js';
import type { RenamePlan } from '../../contract/activities.js';
import { renameClause, renameStatement } from '../../contract/rename-statement.js';

const moved: WatchedTables = {
  database: 'shop',
  renames: new Map([
    ['orders', '_orders_del'],
    ['items', '_items_del'],
  ]),
};
const one: WatchedTables = { database: 'shop', renames: new Map([['orders', '_orders_del']]) };

describe('classifyQuery', () => {
  it('recognizes the cutover RENAME of all moved tables and its compensation', () => {
    expect(
      classifyQuery(
        'RENAME TABLE `shop`.`orders` TO `shop`.`_orders_del`, `shop`.`items` TO `shop`.`_items_del`',
        'x',
        moved,
      ),
    ).toEqual({ kind: 'cutover-rename', direction: 'forward' });
    expect(classifyQuery('/* move-tables:wf */ RENAME TABLE _orders_del TO orders', 'shop', one)).toEqual({
      kind: 'cutover-rename',
      direction: 'back',
    });
  });

  it('recognizes the cutover RENAME with its fence, as the activity builds it, both ways', () => {
    const plan = {
      database: 'shop',
      tables: ['orders', 'items'],
      oldTableTemplate: '_{table}_del',
      fence: 'run-1',
      tag: 'move/cutover/1',
    } as RenamePlan;
    for (const direction of ['forward', 'back'] as const)
      expect(classifyQuery(renameStatement(plan, direction), 'x', moved)).toEqual({
        kind: 'cutover-rename',
        direction,
      });
    expect(renameClause(plan, 'forward')).toMatch(/`_mt_fence_[0-9a-f]{16}` TO `shop`\.`_mt_fence_[0-9a-f]{16}_fwd`$/);
  });

  it('reads names with backticks, spaces, dots, commas and non-ASCII letters', () => {
    const odd: WatchedTables = {
      database: 'my-shop',
      renames: new Map([
        ['tick`a, b.c', '_tick`a, b.c_del'],
        ['zählung', '_zählung_del'],
      ]),
    };
    expect(
      classifyQuery(
        'RENAME TABLE `my-shop`.`tick``a, b.c` TO `my-shop`.`_tick``a, b.c_del`, `my-shop`.`zählung` TO `my-shop`.`_zählung_del`',
        'x',
        odd,
      ),
    ).toEqual({ kind: 'cutover-rename', direction: 'forward' });
    expect(classifyQuery('ALTER TABLE zählung ADD COLUMN x INT', 'my-shop', odd)).toEqual({
      kind: 'unsupported',
      tables: ['my-shop.zählung'],
    });
    expect(classifyQuery('DROP TABLE `tick``a, b.c`, other', 'my-shop', odd)).toEqual({
      kind: 'unsupported',
      tables: ['my-shop.tick`a, b.c'],
    });
  });

  it('rejects a RENAME of a moved table to anything else, or of only some moved tables', () => {
    expect(classifyQuery('RENAME TABLE shop.orders TO shop.orders_archive', 'shop', moved)).toMatchObject({
      kind: 'unsupported',
      tables: ['shop.orders'],
    });
    expect(classifyQuery('RENAME TABLE shop.orders TO shop._orders_del', 'shop', moved)).toMatchObject({
      kind: 'unsupported',
    });
  });

  it.each([
    'ALTER TABLE orders ADD COLUMN x INT',
    'alter online table `shop`.`orders` drop column y',
    'DROP TABLE IF EXISTS other, shop.orders',
    'TRUNCATE orders',
    'CREATE INDEX i ON orders (a)',
    'DROP INDEX i ON `orders`',
  ])('fails on DDL of a moved table: %s', (query) => {
    expect(classifyQuery(query, 'shop', one)).toMatchObject({ kind: 'unsupported', tables: ['shop.orders'] });
  });

  it.each([
    ['ALTER TABLE orders ADD COLUMN x INT', 'other_db'],
    ['ALTER TABLE orders_v2 ADD COLUMN orders INT', 'shop'],
    ['CREATE TABLE audit (orders INT)', 'shop'],
    ['RENAME TABLE a TO b', 'shop'],
    ['ANALYZE TABLE orders', 'shop'],
  ])('ignores statements that do not change a moved table: %s (schema %s)', (query, schema) => {
    expect(classifyQuery(query, schema, one)).toEqual({ kind: 'unrelated' });
  });

  it('treats transaction control as control', () => {
    for (const q of ['BEGIN', 'COMMIT', 'XA START 0x1', 'SAVEPOINT s1'])
      expect(classifyQuery(q, 'shop', one)).toEqual({ kind: 'control' });
  });

  it('finds row changes to a moved table binlogged as statements, by the tables each statement writes', () => {
    const dml = (query: string) => classifyQuery(query, 'shop', one);
    expect(dml('UPDATE shop.orders SET n = n + 1 WHERE id = 1')).toEqual({
      kind: 'statement-dml',
      verb: 'UPDATE',
      tables: ['shop.orders'],
    });
    expect(dml('INSERT IGNORE INTO `orders` (id) VALUES (1)')).toMatchObject({ kind: 'statement-dml', verb: 'INSERT' });
    expect(dml('REPLACE orders SELECT * FROM staging')).toMatchObject({ kind: 'statement-dml', verb: 'REPLACE' });
    expect(dml('DELETE o FROM shop.orders o JOIN shop.customers c ON c.id = o.c')).toMatchObject({ verb: 'DELETE' });
    expect(dml("LOAD DATA INFILE '/tmp/x' INTO TABLE orders")).toMatchObject({ verb: 'LOAD DATA' });
    // The old name too: a write to the frozen table would be lost as well.
    expect(dml('DELETE FROM _orders_del WHERE id = 3')).toMatchObject({ kind: 'statement-dml' });
    // Reading a moved table, or writing another table, is not a change to it.
    expect(dml('INSERT INTO archive SELECT * FROM shop.orders')).toEqual({ kind: 'unrelated' });
    expect(dml('UPDATE customers SET n = 1 WHERE id IN (SELECT c FROM orders)')).toEqual({ kind: 'unrelated' });
    expect(dml('DELETE FROM other.orders')).toEqual({ kind: 'unrelated' });
  });
});
