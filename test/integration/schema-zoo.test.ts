// The schema zoo: one table per shape a mover meets in practice (generated columns, spatial
// types, odd names, unique keys instead of a primary key, ENUM and DATETIME(6) keys, a FLOAT
// unique key, every awkward type, MariaDB's INET6/INET4/UUID, AUTO_INCREMENT, foreign keys,
// partitions, invisible columns), written before the copy, during the copy and during the stream,
// then compared column by column by the databases themselves. And the shapes a move refuses, refused before any change.
import type { Client } from '@temporalio/client';
import type mysql from 'mysql2/promise';
import { beforeAll, describe, expect, it } from 'vitest';
import { startOneWayMove } from '../support/one-way-move.js';
import { moveStatusQuery, releaseCutOverSignal } from '../../contract/definitions.js';
import { oldTableName, qualified, quoteIdentifier } from '../../contract/identifiers.js';
import type { MoveStatus } from '../../contract/move.js';
import { autoIncrementOf } from '../../activities/target/auto-increment.js';
import { cleanupAfterEach } from '../support/cleanups.js';
import { rowsCopiedByInsert } from '../support/copy-results.js';
import { tableDefinition } from '../support/move-fixture.js';
import { recordFault } from '../support/fault-report.js';
import { ownedWorker, sql, temporalClient, uniqueName } from '../support/stack.js';
import { failureOf, moveReaches } from '../support/waiting.js';

let client: Client;
const defer = cleanupAfterEach();
beforeAll(async () => {
  client = await temporalClient();
});

type Write = [sql: string, values: unknown[]];

/** One table of the zoo: its definition and the writes an application makes to row `k`. */
interface ZooTable {
  name: string;
  definition: string;
  upsert(t: string, k: number, r: number): Write;
  update(t: string, k: number, r: number): Write;
  remove(t: string, k: number): Write;
}

const LONG_NAME = `long_${'x'.repeat(56)}_äü`;
const SEEDED = 300;
const KEYS = 400;
const ENUM = ['zebra', 'apple', 'mango'];

const wkt = {
  point: (r: number) => `POINT(${r} ${r / 7})`,
  polygon: (r: number) => `POLYGON((0 0, ${r + 1} 0, ${r + 1} ${r + 1}, 0 0))`,
  line: (r: number) => `LINESTRING(0 0, ${r} ${r / 3}, ${-r} 1.5)`,
  multipoint: (r: number) => `MULTIPOINT(1 1, ${r} ${r})`,
  collection: (r: number) => `GEOMETRYCOLLECTION(POINT(${r} 1), LINESTRING(0 0, 1 ${r}))`,
};

const ZOO: ZooTable[] = [
  {
    name: 'gen',
    definition: `(id INT PRIMARY KEY, a INT NOT NULL,
      v INT AS (a * 2) VIRTUAL, s INT AS (a + 1) STORED,
      vk INT AS (a * 3) VIRTUAL, su BIGINT AS (a * 5) STORED, vu BIGINT AS (a * 7) VIRTUAL,
      label VARCHAR(20) AS (CONCAT('a=', a)) VIRTUAL,
      KEY (vk), UNIQUE KEY (su), UNIQUE KEY (vu))`,
    upsert: (t, k, r) => [
      `INSERT INTO ${t} (id, a) VALUES (?, ?) ON DUPLICATE KEY UPDATE a = VALUES(a)`,
      [k, k * 1000 + (r % 1000)],
    ],
    update: (t, k, r) => [`UPDATE ${t} SET a = ? WHERE id = ?`, [k * 1000 + (r % 1000), k]],
    remove: (t, k) => [`DELETE FROM ${t} WHERE id = ?`, [k]],
  },
  {
    name: 'geo',
    definition: `(id INT PRIMARY KEY, p POINT NULL, g GEOMETRY NULL, poly POLYGON NULL, ls LINESTRING NULL,
      mp MULTIPOINT NULL, gc GEOMETRYCOLLECTION NULL, anchor POINT NOT NULL, SPATIAL INDEX (anchor))`,
    upsert: (t, k, r) => [
      `REPLACE INTO ${t} VALUES (?, ST_GeomFromText(?, 4326), ST_GeomFromText(?), ST_GeomFromText(?, 3857), ST_GeomFromText(?),
        ST_GeomFromText(?), ST_GeomFromText(?), ST_GeomFromText(?))`,
      [
        k,
        wkt.point(r),
        r % 2 ? wkt.line(r) : wkt.polygon(r),
        wkt.polygon(r),
        wkt.line(r),
        wkt.multipoint(r),
        wkt.collection(r),
        wkt.point(-r),
      ],
    ],
    update: (t, k, r) => [
      `UPDATE ${t} SET p = IF(? % 5 = 0, NULL, ST_GeomFromText(?, 4326)), anchor = ST_GeomFromText(?) WHERE id = ?`,
      [r, wkt.point(r), wkt.point(r + 1), k],
    ],
    remove: (t, k) => [`DELETE FROM ${t} WHERE id = ?`, [k]],
  },
  {
    name: 'my-table',
    definition:
      '(`select` INT PRIMARY KEY, `col with space` VARCHAR(30), `tick``col` INT, `ünï` VARCHAR(10), `order` INT, `key` INT)',
    upsert: (t, k, r) => [
      `INSERT INTO ${t} VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE \`col with space\` = VALUES(\`col with space\`), \`ünï\` = VALUES(\`ünï\`)`,
      [k, `v ${r}`, r, `ü${r % 100}`, r % 7, -r],
    ],
    update: (t, k, r) => [
      `UPDATE ${t} SET \`tick\`\`col\` = ?, \`order\` = \`order\` + 1 WHERE \`select\` = ?`,
      [r, k],
    ],
    remove: (t, k) => [`DELETE FROM ${t} WHERE \`select\` = ?`, [k]],
  },
  {
    name: 'odd`, name',
    definition: '(id INT PRIMARY KEY, v VARCHAR(20))',
    upsert: (t, k, r) => [`REPLACE INTO ${t} VALUES (?, ?)`, [k, `r${r}`]],
    update: (t, k, r) => [`UPDATE ${t} SET v = ? WHERE id = ?`, [`u${r}`, k]],
    remove: (t, k) => [`DELETE FROM ${t} WHERE id = ?`, [k]],
  },
  {
    name: LONG_NAME,
    definition: '(id INT PRIMARY KEY, v INT)',
    upsert: (t, k, r) => [`REPLACE INTO ${t} VALUES (?, ?)`, [k, r]],
    update: (t, k, r) => [`UPDATE ${t} SET v = ? WHERE id = ?`, [r, k]],
    remove: (t, k) => [`DELETE FROM ${t} WHERE id = ?`, [k]],
  },
  {
    // No primary key: the NOT NULL unique key u_code is the row key (u_alt holds NULLs).
    name: 'uk_only',
    definition: '(code VARCHAR(20) NOT NULL, alt INT NULL, n INT, UNIQUE KEY u_alt (alt), UNIQUE KEY u_code (code))',
    upsert: (t, k, r) => [
      `INSERT INTO ${t} VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE n = VALUES(n)`,
      [`c${k}`, r % 3 ? k : null, r],
    ],
    update: (t, k, r) => [`UPDATE ${t} SET n = ?, alt = IF(alt IS NULL, ?, NULL) WHERE code = ?`, [r, k, `c${k}`]],
    remove: (t, k) => [`DELETE FROM ${t} WHERE code = ?`, [`c${k}`]],
  },
  {
    // ENUM declared out of alphabetical order, as part of a key with a DATETIME(6).
    name: 'enum_pk',
    definition: `(e ENUM(${ENUM.map((e) => `'${e}'`).join(', ')}) NOT NULL, ts DATETIME(6) NOT NULL, v INT, PRIMARY KEY (e, ts))`,
    upsert: (t, k, r) => [
      `INSERT INTO ${t} VALUES (?, TIMESTAMPADD(MICROSECOND, ?, '2024-02-29 23:59:59.5'), ?) ON DUPLICATE KEY UPDATE v = VALUES(v)`,
      [ENUM[k % 3], k * 1001, r],
    ],
    update: (t, k, r) => [
      `UPDATE ${t} SET v = ? WHERE e = ? AND ts = TIMESTAMPADD(MICROSECOND, ?, '2024-02-29 23:59:59.5')`,
      [r, ENUM[k % 3], k * 1001],
    ],
    remove: (t, k) => [
      `DELETE FROM ${t} WHERE e = ? AND ts = TIMESTAMPADD(MICROSECOND, ?, '2024-02-29 23:59:59.5')`,
      [ENUM[k % 3], k * 1001],
    ],
  },
  {
    // No primary key: a FLOAT unique key.
    name: 'float_uk',
    definition: '(f FLOAT NOT NULL, d DOUBLE, note VARCHAR(10) NOT NULL, UNIQUE KEY (f))',
    upsert: (t, k, r) => [
      `INSERT INTO ${t} VALUES (? + 0.1, ?, ?) ON DUPLICATE KEY UPDATE d = VALUES(d)`,
      [k, r / 3, `k${k}`],
    ],
    update: (t, k, r) => [`UPDATE ${t} SET d = ? WHERE note = ?`, [r / 7, `k${k}`]],
    remove: (t, k) => [`DELETE FROM ${t} WHERE note = ?`, [`k${k}`]],
  },
  {
    // MariaDB's own types, stored in fixed binary forms (UUID with its parts reordered).
    name: 'mariadb_types',
    definition: '(id INT PRIMARY KEY, ip6 INET6, ip4 INET4, u UUID, KEY (u))',
    upsert: (t, k, r) => [
      `REPLACE INTO ${t} VALUES (?, ?, ?, ?)`,
      [
        k,
        r % 3 ? `2001:db8::${(r % 65535).toString(16)}` : null,
        `10.${r % 256}.${k % 256}.1`,
        `${(r % 4294967296).toString(16).padStart(8, '0')}-0000-1000-8000-${String(k).padStart(12, '0')}`,
      ],
    ],
    update: (t, k, r) => [`UPDATE ${t} SET ip6 = ?, u = UUID() WHERE id = ?`, [`::ffff:10.0.${r % 256}.${k % 256}`, k]],
    remove: (t, k) => [`DELETE FROM ${t} WHERE id = ?`, [k]],
  },
  {
    name: 'types',
    definition: `(id INT UNSIGNED PRIMARY KEY, j JSON, b BIT(10), st SET('a','b','c'), big BIGINT UNSIGNED, sbig BIGINT,
      \`dec\` DECIMAL(30,10), dt DATETIME(6), d DATE, tm TIME(6), y YEAR, ts TIMESTAMP(6) NULL,
      l1 VARCHAR(20) CHARACTER SET latin1, gb VARCHAR(20) CHARACTER SET gbk, u8 VARCHAR(20) CHARACTER SET utf8mb4,
      vb VARBINARY(16), bl MEDIUMBLOB, f FLOAT, db DOUBLE, \`group\` INT, \`desc\` TEXT)`,
    upsert: (t, k, r) => [
      `REPLACE INTO ${t} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, FROM_UNIXTIME(?), ?, ?, ?, UNHEX(?), ?, ?, ?, ?, ?)`,
      [
        k,
        JSON.stringify({ k, nested: { list: [r, 'ü', null, 1.5e300], big: '18446744073709551615' } }),
        r % 1024,
        ['', 'a', 'a,c', 'b,c', 'a,b,c'][r % 5],
        r % 7 ? String(r) : '18446744073709551615',
        r % 11 ? -r : '-9223372036854775808',
        `${r}.${String(r).padStart(10, '0')}`,
        r % 5 ? `2024-01-02 03:04:05.${String(r % 1_000_000).padStart(6, '0')}` : '0000-00-00 00:00:00',
        r % 5 ? '1999-12-31' : '0000-00-00',
        r % 2 ? `-${r % 838}:59:59.000001` : `${r % 838}:00:00.5`,
        r % 4 ? 1901 + (r % 254) : 0,
        1_600_000_000 + r + 0.123456,
        'café Ø',
        '中文字',
        `ü€𝄞${r % 10}`,
        (r % 65536).toString(16).padStart(8, '0'),
        Buffer.from([0, 255, r % 256, 10, 13, 0]),
        r / 9,
        -r / 3,
        r,
        `desc ${r}`,
      ],
    ],
    update: (t, k, r) => [
      `UPDATE ${t} SET b = b ^ 1, y = IF(y = 0, 2155, 0), tm = ? WHERE id = ?`,
      [`-00:00:0${r % 10}.5`, k],
    ],
    remove: (t, k) => [`DELETE FROM ${t} WHERE id = ?`, [k]],
  },
  {
    // Ids handed out by the server (and an explicit 0, kept by NO_AUTO_VALUE_ON_ZERO).
    name: 'ai',
    definition: '(id INT AUTO_INCREMENT PRIMARY KEY, v INT)',
    upsert: (t, k, r) => [
      `INSERT INTO ${t} (id, v) VALUES (${k % 97 === 0 ? '0' : 'NULL'}, ?) ON DUPLICATE KEY UPDATE v = VALUES(v)`,
      [r],
    ],
    update: (t, k, r) => [`UPDATE ${t} SET v = ? WHERE id = ?`, [r, k]],
    remove: (t, k) => [`DELETE FROM ${t} WHERE id = ?`, [k]],
  },
  {
    name: 'parent',
    definition: '(id INT PRIMARY KEY, name VARCHAR(20))',
    upsert: (t, k, r) => [`INSERT INTO ${t} VALUES (?, ?) ON DUPLICATE KEY UPDATE name = VALUES(name)`, [k, `p${r}`]],
    update: (t, k, r) => [`UPDATE ${t} SET name = ? WHERE id = ?`, [`n${r}`, k]],
    // Parents stay: a child may point at any of them.
    remove: (t, k) => [`UPDATE ${t} SET name = NULL WHERE id = ?`, [k]],
  },
  {
    name: 'child',
    definition: '(id INT PRIMARY KEY, parent_id INT NOT NULL, v INT, FOREIGN KEY (parent_id) REFERENCES parent (id))',
    upsert: (t, k, r) => [
      `INSERT INTO ${t} VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE v = VALUES(v)`,
      [k, 1 + (r % SEEDED), r],
    ],
    update: (t, k, r) => [`UPDATE ${t} SET parent_id = ? WHERE id = ?`, [1 + (r % SEEDED), k]],
    remove: (t, k) => [`DELETE FROM ${t} WHERE id = ?`, [k]],
  },
  {
    name: 'part',
    definition: '(id INT NOT NULL, v INT, PRIMARY KEY (id)) PARTITION BY HASH (id) PARTITIONS 4',
    upsert: (t, k, r) => [`REPLACE INTO ${t} VALUES (?, ?)`, [k, r]],
    update: (t, k, r) => [`UPDATE ${t} SET v = ? WHERE id = ?`, [r, k]],
    remove: (t, k) => [`DELETE FROM ${t} WHERE id = ?`, [k]],
  },
  {
    name: 'invis',
    definition: '(id INT PRIMARY KEY, v INT, hidden INT INVISIBLE DEFAULT 7)',
    upsert: (t, k, r) => [
      `INSERT INTO ${t} (id, v, hidden) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE hidden = VALUES(hidden)`,
      [k, r, -r],
    ],
    update: (t, k, r) => [`UPDATE ${t} SET hidden = ? WHERE id = ?`, [r, k]],
    remove: (t, k) => [`DELETE FROM ${t} WHERE id = ?`, [k]],
  },
];

/** An application's session: another time zone, and a sql_mode that lets zero dates in. */
async function applicationSession(): Promise<mysql.Connection> {
  const conn = await sql('source');
  await conn.query("SET SESSION time_zone = '+05:30', sql_mode = 'NO_AUTO_VALUE_ON_ZERO'");
  return conn;
}

/** Random writes to random rows of the zoo until stopped; counts them. */
function writeLoad(conn: mysql.Connection, database: string) {
  let stopped = false;
  const writes: number[] = [];
  const failures: string[] = [];
  const done = (async () => {
    while (!stopped) {
      const table = ZOO[Math.floor(Math.random() * ZOO.length)]!;
      const k = 1 + Math.floor(Math.random() * KEYS);
      const r = Math.floor(Math.random() * 1_000_000);
      const dice = Math.random();
      const t = qualified(database, table.name);
      const [statement, values] =
        dice < 0.5 ? table.upsert(t, k, r) : dice < 0.8 ? table.update(t, k, r) : table.remove(t, k);
      try {
        await conn.query(statement, values);
        writes.push(Date.now());
      } catch (err) {
        // A write the source itself refuses (a unique value taken) is the application's problem.
        if (!/Duplicate entry/.test((err as Error).message)) failures.push(`${table.name}: ${(err as Error).message}`);
      }
    }
  })();
  return {
    writes,
    failures,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

/** Every row of a table as the server prints it: each column (generated and invisible ones too) exactly. */
async function exactTable(conn: mysql.Connection, database: string, table: string): Promise<string[]> {
  const [columns] = await conn.query<mysql.RowDataPacket[]>(
    'SELECT COLUMN_NAME AS name, DATA_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [database, table],
  );
  const exprs = columns.map((c) => {
    const column = quoteIdentifier(String(c.name));
    const type = String(c.type);
    const text = ['float'].includes(type)
      ? `CAST(CAST(${column} AS DOUBLE) AS CHAR)`
      : ['tinyint', 'smallint', 'mediumint', 'int', 'bigint', 'decimal', 'double'].includes(type)
        ? `CAST(${column} AS CHAR)`
        : `HEX(${column})`;
    return `IFNULL(${text}, 'NULL')`;
  });
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    `SELECT CONCAT_WS('|', ${exprs.join(', ')}) AS r FROM ${qualified(database, table)} ORDER BY r`,
  );
  return rows.map((row) => String(row.r));
}

describe('schema zoo', () => {
  it('moves every table shape exactly, written before, during the copy and during the stream', async () => {
    const database = `${uniqueName('zoo')}-db x`;
    const oldTableTemplate = '_{table:59}_del';
    const source = await sql('source');
    const target = await sql('target');
    const app = await applicationSession();
    defer(async () => {
      await Promise.all([source.end(), target.end(), app.end()]);
    });
    await source.query(`CREATE DATABASE ${quoteIdentifier(database)}`);
    for (const table of ZOO) await source.query(`CREATE TABLE ${qualified(database, table.name)} ${table.definition}`);
    await source.query(
      `CREATE VIEW ${qualified(database, 'gen_view')} AS SELECT id, v FROM ${qualified(database, 'gen')}`,
    );
    const definitions = new Map<string, string>();
    for (const table of ZOO) definitions.set(table.name, await tableDefinition(source, database, table.name));
    for (const table of ZOO)
      for (let k = 1; k <= SEEDED; k++) await app.query(...table.upsert(qualified(database, table.name), k, k * 7919));

    const load = writeLoad(app, database);
    const handle = await startOneWayMove(
      client,
      {
        source: 'source',
        target: 'target',
        database,
        tables: ZOO.map((t) => t.name),
        oldTableTemplate,
        postpone: true,
        chunkSize: 5,
      },
      await ownedWorker(defer),
    );
    // When the copy ran, as the move reports it: writes inside that window happened during the copy.
    let copyStarted: number | undefined;
    let copyEnded: number | undefined;
    const gate = await moveReaches(handle, 'the postpone gate, copy done', (s: MoveStatus) => {
      if (s.phase === 'copy') copyStarted ??= Date.now();
      if (copyStarted !== undefined && s.phase !== 'copy') copyEnded ??= Date.now();
      return s.cutOver?.postponed === true;
    });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await load.stop();
    expect(load.failures).toEqual([]);
    const duringCopy = load.writes.filter((t) => t >= copyStarted! && t <= copyEnded!).length;
    const duringStream = load.writes.filter((t) => t > copyEnded!).length;
    expect(duringCopy).toBeGreaterThan(0);
    expect(duringStream).toBeGreaterThan(0);
    expect(gate.warnings?.join('\n')).toMatch(/view .*gen_view reads .*gen: it stays on the source/);

    // Ids handed out and then lost (an insert rolled back: nothing reaches the binlog, the
    // counter stays up): the target must not hand them out again.
    const ai = qualified(database, 'ai');
    await app.query('BEGIN');
    await app.query(`INSERT INTO ${ai} (v) VALUES (1), (2), (3)`);
    await app.query('ROLLBACK');

    await handle.signal(releaseCutOverSignal);
    const result = await handle.result();
    expect(result.verify?.ok).toBe(true);
    // Every shape went by LOAD DATA: none needed the slower INSERTs.
    expect(await rowsCopiedByInsert(handle)).toBe(0);

    for (const table of ZOO) {
      const expected = await exactTable(source, database, oldTableName(table.name, oldTableTemplate));
      expect(expected.length, table.name).toBeGreaterThan(0);
      expect(await exactTable(target, database, table.name), table.name).toEqual(expected);
    }
    // The plain secondary keys left out of the load were built after it: each table's definition
    // (keys, their order and comments included) reads as the source's did before the move.
    for (const table of ZOO)
      expect(await tableDefinition(target, database, table.name), table.name).toBe(definitions.get(table.name));
    const sourceCounter = await autoIncrementOf(source, database, oldTableName('ai', oldTableTemplate));
    expect(await autoIncrementOf(target, database, 'ai')).toBe(sourceCounter);
    const [inserted] = await target.query<mysql.ResultSetHeader>(`INSERT INTO ${ai} (v) VALUES (42)`);
    expect(BigInt(inserted.insertId)).toBe(sourceCounter);
    const [zero] = await target.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${ai} WHERE id = 0`);
    expect(Number(zero[0]!.n)).toBe(1);

    const status = await handle.query(moveStatusQuery);
    expect(status.deferredKeys).toMatchObject({ state: 'added', keys: 2, tables: 2 });
    recordFault(
      `schema zoo: ${ZOO.length} tables (generated, spatial, odd and 64-character names, unique-key-only, ENUM/DATETIME(6) and FLOAT keys, JSON/BIT/SET/zero dates/latin1/gbk, INET6/INET4/UUID, AUTO_INCREMENT, FK parent+child, partitions, invisible columns) under writes`,
      'every column of every row equal, compared by the servers; AUTO_INCREMENT carried over; verify ok',
      `${status.rowsCopied} rows copied, ${load.writes.length} writes (${duringCopy} during the copy, ${duringStream} during the stream); all tables equal; target counter ${sourceCounter} = source's`,
    );
  });
});

describe('shapes a move refuses before any change', () => {
  it.each([
    {
      what: 'no primary key and no NOT NULL unique key',
      setup: ['CREATE TABLE t (a INT, b INT, UNIQUE KEY u_a (a))'],
      expected:
        /^NoPrimaryKey: table .*\.t on .* has no primary key and no unique key of NOT NULL columns.*u_a: nullable column a/,
    },
    {
      what: 'a trigger',
      setup: [
        'CREATE TABLE t (id INT PRIMARY KEY)',
        'CREATE TABLE log (id INT)',
        'CREATE TRIGGER t_ai AFTER INSERT ON t FOR EACH ROW INSERT INTO log VALUES (NEW.id)',
      ],
      expected: /^UnsupportedTable: moved tables have triggers \(t_ai on t\)/,
    },
    {
      what: 'a foreign key to a table that stays',
      setup: [
        'CREATE TABLE p (id INT PRIMARY KEY)',
        'CREATE TABLE t (id INT PRIMARY KEY, p INT, FOREIGN KEY (p) REFERENCES p (id))',
      ],
      expected: /^UnsupportedTable: foreign key .* links a moved table to .*\.p, which stays on the source/,
    },
    {
      what: 'a foreign key from a table that stays',
      setup: [
        'CREATE TABLE t (id INT PRIMARY KEY)',
        'CREATE TABLE c (id INT PRIMARY KEY, t INT, FOREIGN KEY (t) REFERENCES t (id))',
      ],
      expected: /^UnsupportedTable: foreign key .* links a moved table to .*\.c, which stays on the source/,
    },
    {
      what: 'a cascading foreign key inside the moved tables',
      tables: ['t', 'c'],
      setup: [
        'CREATE TABLE t (id INT PRIMARY KEY)',
        'CREATE TABLE c (id INT PRIMARY KEY, t INT, FOREIGN KEY (t) REFERENCES t (id) ON DELETE CASCADE)',
      ],
      expected: /^UnsupportedTable: foreign key .* has ON UPDATE RESTRICT ON DELETE CASCADE/,
    },
    {
      what: 'a view named as a table',
      setup: ['CREATE TABLE base (id INT PRIMARY KEY)', 'CREATE VIEW t AS SELECT id FROM base'],
      expected: /^UnsupportedTable: .*\.t on .* is a VIEW, not a base table/,
    },
  ])('$what', async ({ what, setup, expected, tables }) => {
    const database = uniqueName('refuse');
    const source = await sql('source');
    const target = await sql('target');
    defer(async () => {
      await Promise.all([source.end(), target.end()]);
    });
    await source.query(`CREATE DATABASE ${database}`);
    await source.query(`USE ${database}`);
    for (const statement of setup) await source.query(statement);
    const handle = await startOneWayMove(
      client,
      { source: 'source', target: 'target', database, tables: tables ?? ['t'] },
      await ownedWorker(defer),
    );
    const failure = await failureOf(handle.result());
    expect(failure).toMatch(expected);
    const [created] = await target.query<mysql.RowDataPacket[]>(
      'SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      [database],
    );
    expect(created).toEqual([]);
    recordFault(
      `prepare, moved table with ${what}`,
      'refused before any change, with the reason',
      `${failure.slice(0, 110)}…; nothing created on the target`,
    );
  });
});
