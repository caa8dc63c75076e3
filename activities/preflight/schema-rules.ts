// What a move does with the parts of a schema around its tables, decided before any change (the
// README's "what moves and what does not" gives the reasons):
// - triggers on a moved table: refused. Their writes reach the binlog as rows, which the stream
//   applies; copied to the target they would run a second time on those rows.
// - a foreign key between a moved table and one that stays: refused. After the cutover the two
//   would live on different servers and nothing would enforce it.
// - a foreign key inside the moved set with ON DELETE/UPDATE CASCADE or SET NULL: refused. The
//   server applies cascades inside the storage engine and never binlogs them, so the target would
//   miss those changes.
// - other foreign keys inside the moved set: moved. The target gets them from the source's
//   definition; the move writes there with foreign_key_checks off, as a replica does, because the
//   source already checked every row and the copy does not run in parent-to-child order.
// - views that read a moved table: a warning. They stay on the source, where they stop working at
//   the cutover; they are for the application to recreate on the target.
// - scheduled events whose body names a moved table: a warning, for the same reason (their writes
//   reach the target through the stream until the cutover, then fail).
import type mysql from 'mysql2/promise';
import { failure } from '../../contract/failures.js';
import type { MovedTables } from '../../contract/tables.js';
import type { Queryable } from '../clusters.js';

function names(database: string, tables: Iterable<string>): string {
  return [...tables].map((t) => `${database}.${t}`).join(', ');
}

async function refuseTriggers(source: Queryable, tables: MovedTables): Promise<void> {
  const [rows] = await source.query<mysql.RowDataPacket[]>(
    'SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS tbl FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE IN (?)',
    [tables.database, tables.tables],
  );
  if (!rows.length) return;
  const list = rows.map((r) => `${String(r.name)} on ${String(r.tbl)}`).join(', ');
  throw failure(
    'UnsupportedTable',
    `moved tables have triggers (${list}): their writes already reach the target through the stream, so they cannot run there during the move; drop them on the source, and recreate them on the target after the cutover (an on-success hook can)`,
    { triggers: rows.map((r) => String(r.name)) },
  );
}

interface ForeignKey {
  name: string;
  childDb: string;
  child: string;
  parentDb: string;
  parent: string;
  onUpdate: string;
  onDelete: string;
}

async function refuseForeignKeys(source: Queryable, tables: MovedTables): Promise<void> {
  const [rows] = await source.query<mysql.RowDataPacket[]>(
    `SELECT CONSTRAINT_NAME AS name, CONSTRAINT_SCHEMA AS childDb, TABLE_NAME AS child,
            UNIQUE_CONSTRAINT_SCHEMA AS parentDb, REFERENCED_TABLE_NAME AS parent,
            UPDATE_RULE AS onUpdate, DELETE_RULE AS onDelete
       FROM information_schema.REFERENTIAL_CONSTRAINTS
      WHERE (CONSTRAINT_SCHEMA = ? AND TABLE_NAME IN (?)) OR (UNIQUE_CONSTRAINT_SCHEMA = ? AND REFERENCED_TABLE_NAME IN (?))`,
    [tables.database, tables.tables, tables.database, tables.tables],
  );
  const moved = (db: string, table: string) => db === tables.database && tables.tables.includes(table);
  for (const fk of rows as unknown as ForeignKey[]) {
    const label = `foreign key ${fk.name} (${fk.childDb}.${fk.child} → ${fk.parentDb}.${fk.parent})`;
    if (!moved(fk.childDb, fk.child) || !moved(fk.parentDb, fk.parent)) {
      const staying = moved(fk.childDb, fk.child) ? `${fk.parentDb}.${fk.parent}` : `${fk.childDb}.${fk.child}`;
      throw failure(
        'UnsupportedTable',
        `${label} links a moved table to ${staying}, which stays on the source: after the cutover no server could enforce it; move both tables together or drop the foreign key`,
        { foreignKey: fk.name },
      );
    }
    const cascading = [fk.onUpdate, fk.onDelete].filter((rule) => rule !== 'RESTRICT' && rule !== 'NO ACTION');
    if (cascading.length) {
      throw failure(
        'UnsupportedTable',
        `${label} has ON UPDATE ${fk.onUpdate} ON DELETE ${fk.onDelete}: the server applies ${cascading.join('/')} in the storage engine without binlogging it, so the target would miss those changes; use RESTRICT or NO ACTION during the move`,
        { foreignKey: fk.name },
      );
    }
  }
}

/** Views on the source that name a moved table: they stay behind and break at the cutover. */
async function viewWarnings(source: Queryable, tables: MovedTables): Promise<string[]> {
  const [rows] = await source.query<mysql.RowDataPacket[]>(
    'SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, VIEW_DEFINITION AS body FROM information_schema.VIEWS',
  );
  const quoted = (t: string) => `\`${tables.database.replaceAll('`', '``')}\`.\`${t.replaceAll('`', '``')}\``;
  const warnings: string[] = [];
  for (const view of rows) {
    const body = String(view.body ?? '');
    const used = tables.tables.filter((t) => body.includes(quoted(t)));
    if (used.length) {
      warnings.push(
        `view ${String(view.db)}.${String(view.name)} reads ${names(tables.database, used)}: it stays on the source and stops working at the cutover; recreate it on the target`,
      );
    }
  }
  return warnings;
}

/**
 * Scheduled events (EVENT ... DO) whose body names a moved table, quoted or not, with or without
 * its database when the event lives there: they stay behind and fail at the cutover.
 */
async function eventWarnings(source: Queryable, tables: MovedTables): Promise<string[]> {
  const [rows] = await source.query<mysql.RowDataPacket[]>(
    'SELECT EVENT_SCHEMA AS db, EVENT_NAME AS name, EVENT_DEFINITION AS body, STATUS AS status FROM information_schema.EVENTS',
  );
  const escape = (name: string) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const warnings: string[] = [];
  for (const event of rows) {
    const body = String(event.body ?? '');
    const sameDb = String(event.db) === tables.database;
    const used = tables.tables.filter((t) => {
      // `db`.`t`, db.t, or (in the event's own database) t alone, as a whole word.
      const name = `(?:\`${escape(t)}\`|\\b${escape(t)}\\b)`;
      const qualified = `(?:\`${escape(tables.database)}\`|\\b${escape(tables.database)}\\b)\\s*\\.\\s*${name}`;
      return new RegExp(sameDb ? `${qualified}|(?<![.\\w])${name}` : qualified, 'i').test(body);
    });
    if (used.length)
      warnings.push(
        `event ${String(event.db)}.${String(event.name)} (${String(event.status).toLowerCase()}) writes or reads ${names(tables.database, used)}: it stays on the source and fails from the cutover on; disable it before, and recreate it on the target after`,
      );
  }
  return warnings;
}

/** Refuses what the move cannot keep exact; returns what it moves without (as warnings). */
export async function checkSchemaRules(source: Queryable, tables: MovedTables): Promise<string[]> {
  await refuseTriggers(source, tables);
  await refuseForeignKeys(source, tables);
  return [...(await viewWarnings(source, tables)), ...(await eventWarnings(source, tables))];
}
