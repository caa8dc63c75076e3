// Which duplicate-key errors a replayed row image may resolve: a collision on a unique secondary
// key the target table has, as MariaDB and MySQL name it; never the row key, never another error.
import { describe, expect, it } from 'vitest';
import type { TargetTable } from '../../activities/target/row-apply.js';
import { collidingUniqueKey } from '../../activities/target/unique-conflicts.js';

const table: TargetTable = {
  database: 'shop',
  table: 'users',
  key: ['id'],
  generated: new Set(),
  uniqueKeys: new Map([
    ['email', ['email']],
    ['list_pos', ['list_id', 'pos']],
  ]),
};
const duplicate = (message: string) => Object.assign(new Error(message), { errno: 1062, sqlMessage: message });

describe('collidingUniqueKey', () => {
  it('names the unique secondary key of a duplicate, as either server words it', () => {
    expect(collidingUniqueKey(duplicate("Duplicate entry 'a@b' for key 'email'"), table)).toEqual({
      name: 'email',
      columns: ['email'],
    });
    expect(collidingUniqueKey(duplicate("Duplicate entry '7-3' for key 'users.list_pos'"), table)).toEqual({
      name: 'list_pos',
      columns: ['list_id', 'pos'],
    });
  });

  it('leaves the row key, unknown keys and other errors to the caller', () => {
    expect(collidingUniqueKey(duplicate("Duplicate entry '1' for key 'PRIMARY'"), table)).toBeUndefined();
    expect(collidingUniqueKey(duplicate("Duplicate entry 'x' for key 'gone'"), table)).toBeUndefined();
    expect(collidingUniqueKey(Object.assign(new Error('Data too long'), { errno: 1406 }), table)).toBeUndefined();
  });
});
