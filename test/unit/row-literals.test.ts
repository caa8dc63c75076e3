// What the source builds for each copied value. SQL text for INSERTs: numbers as literals, bytes as
// hex strings (no charset conversion), MySQL JSON converted from its bytes, NULL as NULL. Lines for
// LOAD DATA: the bytes themselves (the worker escapes them, see line-buffer.test.ts). (Both are exercised on
// real servers by the integrity and schema-zoo tests.)
import { describe, expect, it } from 'vitest';
import { lineField } from '../../activities/copy/row-lines.js';
import { literalValue, rowLiteral } from '../../activities/copy/row-literals.js';
import type { Column } from '../../activities/table-info.js';
import { loadStatement } from '../../activities/target/load-rows.js';

const col = (name: string, dataType: string): Column => ({ name, dataType, columnType: dataType, generated: false });

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

describe('load line fields sent by the source', () => {
  it('sends numbers and times as text, FLOAT as its exact double, BIT as its number, everything else as its bytes', () => {
    expect(lineField(col('n', 'decimal'))).toBe('`n`');
    expect(lineField(col('at', 'datetime'))).toBe('`at`');
    expect(lineField(col('f', 'float'))).toBe('CAST(`f` AS DOUBLE)');
    expect(lineField(col('b', 'bit'))).toBe('CAST(`b` AS UNSIGNED)');
    expect(lineField(col('my`text', 'varchar'))).toBe('CAST(`my``text` AS BINARY)');
    expect(lineField(col('g', 'geometry'))).toBe('CAST(`g` AS BINARY)');
  });

  it('reads BIT and MySQL JSON through variables, every other column straight into its column', () => {
    expect(loadStatement('db', 't', [col('id', 'int'), col('b', 'bit'), col('j', 'json'), col('v', 'blob')])).toBe(
      String.raw`LOAD DATA LOCAL INFILE 'move-tables-chunk' IGNORE INTO TABLE ` +
        '`db`.`t`' +
        String.raw` CHARACTER SET binary FIELDS TERMINATED BY '\t' ESCAPED BY '\\' LINES TERMINATED BY '\n' ` +
        '(`id`, @v1, @v2, `v`) SET `b` = CAST(@v1 AS UNSIGNED), `j` = CONVERT(@v2 USING utf8mb4)',
    );
  });
});
