import { describe, expect, it } from 'vitest';
import { afterKey, decodeKey, encodeKey, upToKey } from '../../activities/copy/keyset.js';
import { rangesFrom } from '../../activities/copy/plan-ranges.js';

describe('keyset', () => {
  it('spells out "after key" for a composite key', () => {
    expect(afterKey(['a', 'b', 'c'], [1, 'x', 3])).toEqual({
      sql: '((`a` > ?) OR (`a` = ? AND `b` > ?) OR (`a` = ? AND `b` = ? AND `c` > ?))',
      values: [1, 1, 'x', 1, 'x', 3],
    });
    expect(afterKey(['id'], null)).toEqual({ sql: '1 = 1', values: [] });
    expect(upToKey(['id'], [7])).toEqual({ sql: 'NOT ((`id` > ?))', values: [7] });
  });

  it('round-trips keys with strings, numbers and binary parts', () => {
    const key = ['2024-01-01 00:00:00.000001', '18446744073709551615', 7, Buffer.from([0, 1, 255])];
    expect(decodeKey(encodeKey(key))).toEqual(key);
  });

  it('splits a key space into ranges that cover every key once: open below, open above', () => {
    expect(rangesFrom([])).toEqual([{ index: 0 }]);
    expect(rangesFrom(['[10]', '[20]'])).toEqual([
      { index: 0, upTo: '[10]' },
      { index: 1, after: '[10]', upTo: '[20]' },
      { index: 2, after: '[20]' },
    ]);
  });
});
