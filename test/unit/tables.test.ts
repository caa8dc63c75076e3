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
    [{ ...base, database: 'a b' }, /^InvalidInput: "database" "a b" may hold only/],
    [{ ...base, targetDatabase: 'x'.repeat(65) }, /^InvalidInput: "targetDatabase" .* 65 characters/],
    [{ ...base, tables: [] }, /^InvalidInput: "tables" must be a non-empty list/],
    [{ ...base, tables: ['orders', 'orders'] }, /^InvalidInput: "tables" lists a table twice/],
    [{ ...base, oldTableTemplate: 'old' }, /^InvalidInput: "oldTableTemplate" must contain \{table\}/],
    [
      { ...base, tables: ['orders', '_orders_del'] },
      /^InvalidInput: old table name _orders_del collides with a moved table/,
    ],
    [
      { ...base, tables: ['x'.repeat(60)] },
      /^InvalidInput: old table name .* \(from "oldTableTemplate"\) is 65 characters/,
    ],
    [{ ...base, streamId: 'x'.repeat(192) }, /^InvalidInput: "streamId" must be 1-191 characters/],
    [null, /^InvalidInput: input must be an object/],
  ])('refuses %#', (input, expected) => {
    expect(problem(input)).toMatch(expected);
  });

  it('takes positive numbers or the default', () => {
    expect(positive('n', undefined, 7)).toBe(7);
    expect(positive('n', 2.5, 7)).toBe(2.5);
    expect(() => positive('n', 0, 7)).toThrow(/"n" must be a positive number, got 0/);
    expect(() => positive('n', '5', 7)).toThrow(/got "5"/);
  });
});
