import { describe, expect, it } from 'vitest';
import { moveWorkflowId, normalizeTables, positive, type TablesInput } from '../../contract/tables.js';

const base: TablesInput = { source: 'source', target: 'target', database: 'shop', tables: ['orders', 'items'] };

function problem(input: unknown): string {
  try {
    normalizeTables(input as TablesInput);
  } catch (err) {
    return `${(err as { type?: string }).type}: ${(err as Error).message}`;
  }
  return 'accepted';
}

describe('input rules for the moved tables', () => {
  it('fills in the defaults', () => {
    expect(normalizeTables(base)).toEqual({
      ...base,
      targetDatabase: 'shop',
      oldTableTemplate: '_{table}_del',
      streamId: 'source/shop/items,orders',
    });
    expect(moveWorkflowId(base)).toBe('move:source/shop/items,orders');
  });

  it.each([
    [{ ...base, source: 'Source' }, /^InvalidInput: "source" must be a cluster name/],
    [{ ...base, target: '' }, /^InvalidInput: "target" must be a cluster name/],
    [{ ...base, database: 'shop ' }, /^InvalidInput: "database" "shop " ends with a space/],
    [{ ...base, targetDatabase: 'x'.repeat(65) }, /^InvalidInput: "targetDatabase" .* 65 characters/],
    [{ ...base, tables: [] }, /^InvalidInput: "tables" must be a non-empty list/],
    [{ ...base, tables: ['orders', 'orders'] }, /^InvalidInput: "tables" lists a table twice/],
    [{ ...base, oldTableTemplate: 'old' }, /^InvalidInput: "oldTableTemplate" must contain \{table\}/],
    [
      { ...base, tables: ['orders', '_orders_del'] },
      /^InvalidInput: old table name "_orders_del" collides with a moved table/,
    ],
    [
      { ...base, tables: ['x'.repeat(60)] },
      /^InvalidInput: old table name .* from "oldTableTemplate" "_\{table\}_del"\) is 65 characters.*set "oldTableTemplate" to "_\{table:59\}_del"/,
    ],
    [
      { ...base, tables: ['orders_2023', 'orders_2024'], oldTableTemplate: '_{table:6}_del' },
      /^InvalidInput: two tables would take the same old name "_orders_del"/,
    ],
    [{ ...base, streamId: 'x'.repeat(192) }, /^InvalidInput: "streamId" must be 1-191 characters/],
    [null, /^InvalidInput: input must be an object/],
  ])('refuses %#', (input, expected) => {
    expect(problem(input)).toMatch(expected);
  });

  it('gives every table list its own stream id; plain names read as before', () => {
    const id = (tables: string[]) => normalizeTables({ ...base, tables }).streamId;
    expect(id(['orders'])).toBe('source/shop/orders');
    expect(id(['a,b'])).not.toBe(id(['a', 'b']));
    expect(id(['a/b'])).toBe('source/shop/a%2Fb');
    expect(id(['my-table', 'zählung'])).toBe('source/shop/my-table,z%C3%A4hlung');
    // Refused names still get an id (a client derives it before the workflow refuses the input).
    expect(moveWorkflowId({ ...base, tables: ['t😀', '\uD800'] })).toBe('move:source/shop/t%F0%9F%98%80,%uD800');
    const long = Array.from({ length: 8 }, (_, i) => `${'ü'.repeat(40)}${i}`);
    expect(id(long)).toHaveLength(191);
    expect(id(long)).not.toBe(id([...long.slice(1), 'other']));
    expect(moveWorkflowId({ ...base, tables: long })).toBe(`move:${id(long)}`);
  });

  it('takes positive numbers or the default', () => {
    expect(positive('n', undefined, 7)).toBe(7);
    expect(positive('n', 2.5, 7)).toBe(2.5);
    expect(() => positive('n', 0, 7)).toThrow(/"n" must be a positive number, got 0/);
    expect(() => positive('n', '5', 7)).toThrow(/got "5"/);
  });
});
