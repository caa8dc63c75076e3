// Row values stay in the worker: a driver error loses its statement, and server messages that quote
// a value quote none; keys, columns and the server's words stay, so the error still says what is wrong.
import { describe, expect, it } from 'vitest';
import { withoutQuotedValues, withoutRowValues } from '../../activities/row-values.js';

describe('row values in errors', () => {
  it('drops the statement the driver attached and the values a message quotes, causes included', () => {
    const deadlock = Object.assign(new Error('Deadlock found when trying to get lock; try restarting transaction'), {
      errno: 1213,
      sql: "INSERT INTO `shop`.`users` (`id`, `email`) VALUES (7, 'alice@example.com')",
    });
    const duplicate = Object.assign(new Error("Duplicate entry 'alice@example.com' for key 'email'"), {
      errno: 1062,
      sqlMessage: "Duplicate entry 'alice@example.com' for key 'email'",
    });
    const wrapper = new Error('the batch failed', { cause: duplicate });
    withoutRowValues(deadlock);
    withoutRowValues(wrapper);
    expect(JSON.stringify({ ...deadlock, message: deadlock.message })).not.toContain('alice');
    expect(duplicate.message).toBe("Duplicate entry (value withheld) for key 'email'");
    expect(duplicate.sqlMessage).toBe("Duplicate entry (value withheld) for key 'email'");
    expect(duplicate.stack).not.toContain('alice');
  });

  it('keeps what is no row value: columns, keys, the reason', () => {
    expect(withoutQuotedValues("Incorrect string value: '\\xF0\\x9F\\x98' for column `db`.`t`.`note` at row 3")).toBe(
      'Incorrect string value: (value withheld) for column `db`.`t`.`note` at row 3',
    );
    expect(withoutQuotedValues("Data too long for column 'v' at row 2")).toBe("Data too long for column 'v' at row 2");
    expect(withoutQuotedValues('refuses the row of db.t with key [4]')).toBe('refuses the row of db.t with key [4]');
  });
});
