import { describe, expect, it } from 'vitest';
import { identifierProblem, oldTableName, qualified } from '../../contract/identifiers.js';

describe('identifiers', () => {
  it('accepts ordinary names and quotes them', () => {
    expect(identifierProblem('orders_2024')).toBeUndefined();
    expect(qualified('shop', 'orders')).toBe('`shop`.`orders`');
  });

  it.each([
    ['', /non-empty/],
    ['a`b', /backticks/],
    ["a'b", /quotes/],
    ['db.t', /dots/],
    ['a b', /spaces/],
    ['x'.repeat(65), /65 characters/],
    ['123', /digits only/],
  ])('rejects %j', (name, message) => {
    expect(identifierProblem(name)).toMatch(message);
    expect(() => qualified('db', name)).toThrow();
  });

  it('derives the old table name like gh-ost', () => {
    expect(oldTableName('orders')).toBe('_orders_del');
    expect(oldTableName('orders', '{table}_old')).toBe('orders_old');
  });
});
