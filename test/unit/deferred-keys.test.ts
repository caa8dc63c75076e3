import { describe, expect, it } from 'vitest';
import { deferrableKeys } from '../../activities/target/deferred-keys.js';

// As MariaDB 10.11 writes them (SHOW CREATE TABLE).
const table = (lines: string[], engine = 'InnoDB') =>
  ['CREATE TABLE `c` (', ...lines, `) ENGINE=${engine} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`].join('\n');
const COLUMNS = ['  `id` int(11) NOT NULL,', '  `p` int(11) DEFAULT NULL,', '  `we``ird` int(11) DEFAULT NULL,'];

describe('deferrableKeys', () => {
  it('takes the plain secondary keys, quoted names and comments included; leaves primary, unique, full-text and spatial keys', () => {
    const ddl = table([
      ...COLUMNS,
      '  PRIMARY KEY (`id`),',
      '  UNIQUE KEY `u` (`p`),',
      "  KEY `p` (`p`,`id`) COMMENT 'x',",
      '  KEY `we``ird` (`we``ird`),',
      '  SPATIAL KEY `g` (`g`),',
      '  FULLTEXT KEY `t` (`t`)',
    ]);
    expect(deferrableKeys(ddl)).toEqual([
      { name: 'p', definition: "KEY `p` (`p`,`id`) COMMENT 'x'" },
      { name: 'we`ird', definition: 'KEY `we``ird` (`we``ird`)' },
    ]);
  });

  it('takes none from a table with a foreign key (its index must exist from the start) or one not on InnoDB', () => {
    const keys = ['  PRIMARY KEY (`id`),', '  KEY `p` (`p`)'];
    expect(deferrableKeys(table([...COLUMNS, ...keys]))).toHaveLength(1);
    expect(
      deferrableKeys(
        table([
          ...COLUMNS,
          '  PRIMARY KEY (`id`),',
          '  KEY `p` (`p`),',
          '  CONSTRAINT `fk` FOREIGN KEY (`p`) REFERENCES `x` (`id`)',
        ]),
      ),
    ).toEqual([]);
    expect(deferrableKeys(table([...COLUMNS, ...keys], 'MyISAM'))).toEqual([]);
  });

  it('takes none from a table with only its primary key', () => {
    expect(deferrableKeys(table([...COLUMNS, '  PRIMARY KEY (`id`)']))).toEqual([]);
  });
});
