// The SQL text the source builds for each copied value: numbers as literals, bytes as hex strings
// (no charset conversion), MySQL JSON converted from its bytes, NULL as NULL.
import { describe, expect, it } from 'vitest';
import { literalValue, rowLiteral, type Column } from '../../activities/table-info.js';

const col = (name: string, dataType: string): Column => ({ name, dataType, generated: false });

describe('row literals built by the source', () => {
  it('spells each type so the target takes back the same value', () => {
    expect(literalValue(col('n', 'bigint'))).toBe("IFNULL(CONCAT('', `n`), 'NULL')");
    expect(literalValue(col('f', 'float'))).toBe("IFNULL(CONCAT('', CAST(`f` AS DOUBLE)), 'NULL')");
    expect(literalValue(col('b', 'bit'))).toBe("IFNULL(CONCAT('0x', HEX(`b`)), 'NULL')");
    expect(literalValue(col('my`text', 'varchar'))).toBe("IFNULL(CONCAT('X''', HEX(`my``text`), ''''), 'NULL')");
    expect(literalValue(col('doc', 'json'))).toBe(
      "IFNULL(CONCAT('CONVERT(X''', HEX(`doc`), ''' USING utf8mb4)'), 'NULL')",
    );
  });

  it('joins a row into one parenthesized list', () => {
    expect(rowLiteral([col('id', 'int'), col('v', 'blob')])).toBe(
      "CONCAT('(', IFNULL(CONCAT('', `id`), 'NULL'), ',', IFNULL(CONCAT('X''', HEX(`v`), ''''), 'NULL'), ')')",
    );
  });
});
