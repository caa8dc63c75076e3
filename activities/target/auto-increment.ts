// AUTO_INCREMENT after the drain: the target's counter raised to at least the frozen source
// table's. Copied and streamed rows carry their ids, which moves the counter past the largest id
// on the target, but not past ids the source handed out and then lost (rows deleted at the top of
// the range, inserts rolled back): the application must never be given those ids again.
import { Context } from '@temporalio/activity';
import type mysql from 'mysql2/promise';
import type { AutoIncrementSync } from '../../contract/activities.js';
import { CUTOVER_DEFAULTS } from '../../contract/cutover.js';
import { failure } from '../../contract/failures.js';
import { qualified } from '../../contract/identifiers.js';
import type { Clusters, Queryable } from '../clusters.js';
import { createTableText } from '../table-info.js';
import { asServerError } from './rejected-rows.js';

/** ER_LOCK_WAIT_TIMEOUT (a metadata lock wait past lock_wait_timeout). */
const LOCK_WAIT_TIMEOUT = 1205;
/** Statement-level access denials: a missing privilege, which no retry grants. */
const ACCESS_DENIED = new Set([1044, 1142, 1227]);

/** The table's next AUTO_INCREMENT value, or undefined when it has none. */
export async function autoIncrementOf(conn: Queryable, database: string, table: string): Promise<bigint | undefined> {
  // SHOW CREATE TABLE reads the live counter on both flavors (MySQL 8 caches information_schema's).
  const ddl = await createTableText(conn, database, table);
  // The table options line (`) ENGINE=... AUTO_INCREMENT=N ...`), not a comment or a default.
  const options = /\n\)([^\n]*)/.exec(ddl)?.[1] ?? '';
  const value = /\bAUTO_INCREMENT=(\d+)/.exec(options)?.[1];
  return value === undefined ? undefined : BigInt(value);
}

/**
 * Raises each target table's counter to the source's; returns the tables it raised. The source is
 * renamed meanwhile, so the ALTER waits for the table's metadata lock at most the cutover's lock
 * wait (a transaction or a backup on the target holds it) and then fails the step, which
 * compensates; it heartbeats while it waits. It runs on a session of its own, opened now: a grant
 * given since the pool's sessions opened is seen.
 */
export async function syncAutoIncrement(clusters: Clusters, sync: AutoIncrementSync): Promise<string[]> {
  const source = clusters.pool(sync.source);
  const target = clusters.pool(sync.target);
  const lockWait = sync.lockWaitTimeoutSeconds ?? CUTOVER_DEFAULTS.lockWaitTimeoutSeconds;
  const raised: string[] = [];
  let alter: mysql.Connection | undefined;
  try {
    for (const pair of sync.tables) {
      const wanted = await autoIncrementOf(source, sync.database, pair.sourceTable);
      if (wanted === undefined) continue;
      const current = await autoIncrementOf(target, sync.targetDatabase, pair.targetTable);
      if (current !== undefined && current >= wanted) continue;
      if (!alter) {
        alter = await clusters.connect(sync.target);
        await alter.query('SET SESSION lock_wait_timeout = ?', [lockWait]);
      }
      const table = qualified(sync.targetDatabase, pair.targetTable);
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat({ raising: pair.targetTable }), 1_000);
      try {
        await alter.query(`ALTER TABLE ${table} AUTO_INCREMENT = ${wanted}`);
      } catch (err) {
        throw counterFailure(
          err,
          `${sync.targetDatabase}.${pair.targetTable}`,
          clusters.describe(sync.target),
          lockWait,
        );
      } finally {
        clearInterval(beat);
      }
      raised.push(pair.targetTable);
    }
  } finally {
    await alter?.end().catch(() => undefined);
  }
  return raised;
}

/** Why the counter could not be raised, for the operator; errors a retry may heal are returned as they are. */
function counterFailure(err: unknown, table: string, target: string, lockWait: number): unknown {
  const errno = asServerError(err)?.errno;
  if (errno === LOCK_WAIT_TIMEOUT)
    return failure(
      'TargetLocked',
      `raising the AUTO_INCREMENT of ${table} on ${target} waited ${lockWait} s for its metadata lock: a transaction or a backup on the target holds the table. The attempt compensates (the source takes writes again); end that transaction, then the next attempt proceeds`,
      { table },
    );
  if (errno !== undefined && ACCESS_DENIED.has(errno))
    return failure(
      'MissingPrivilege',
      `the worker's account on ${target} may not raise the AUTO_INCREMENT of ${table}: ${(err as Error).message}. Grant ALTER on the target database; the next attempt uses a new session, which sees the grant`,
      { table, errno },
    );
  return err;
}
