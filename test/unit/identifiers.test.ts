import { describe, expect, it } from 'vitest';
import {
  identifierProblem,
  oldTableName,
  qualified,
  quoteIdentifier,
  shorteningTemplate,
} from '../../contract/identifiers.js';

describe('identifiers', () => {
  it('accepts ordinary names and quotes them', () => {
    expect(identifierProblem('orders_2024')).toBeUndefined();
    expect(qualified('shop', 'orders')).toBe('`shop`.`orders`');
  });

  it.each([
    ['my-table', '`my-table`'],
    ['order items', '`order items`'],
    ['tick`name', '`tick``name`'],
    ["it's", "`it's`"],
    ['a.b', '`a.b`'],
    ['zählung_ü', '`zählung_ü`'],
    ['select', '`select`'],
    ['123', '`123`'],
    [' leading', '` leading`'],
    ['x'.repeat(64), `\`${'x'.repeat(64)}\``],
  ])('accepts %j, as the server does when quoted', (name, quoted) => {
    expect(identifierProblem(name)).toBeUndefined();
    expect(quoteIdentifier(name)).toBe(quoted);
  });

  it.each([
    ['', /non-empty/],
    ['x'.repeat(65), /65 characters/],
    ['trailing ', /ends with a space/],
    ['nul\0byte', /NUL/],
    ['emoji😀', /Basic Multilingual Plane/],
  ])('refuses %j, as the server would', (name, message) => {
    expect(identifierProblem(name)).toMatch(message);
    expect(() => qualified('db', name)).toThrow(message);
  });

  it('derives the old table name like gh-ost, or from the first N characters', () => {
    expect(oldTableName('orders')).toBe('_orders_del');
    expect(oldTableName('orders', '{table}_old')).toBe('orders_old');
    expect(oldTableName('orders', '_{table:3}_del')).toBe('_ord_del');
  });

  it('suggests a template whose names always fit', () => {
    const template = shorteningTemplate('_{table}_del');
    expect(template).toBe('_{table:59}_del');
    expect(oldTableName('x'.repeat(64), template)).toHaveLength(64);
  });
});
