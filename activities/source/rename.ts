// T1 and its compensation. The RENAME is sent at most once per cutover: its activity has no
// retry, and an ambiguous outcome (timeout, lost worker, dropped connection) is resolved by
// inspecting the source, never by renaming again. Each statement carries a tag comment so the
// inspection can wait for a RENAME still executing on the server before reading table names.
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type mysql from 'mysql2/promise';
import type { RenameOutcome, RenamePlan, RenameProgress } from '../../contract/activities.js';
import { failure } from '../../contract/failures.js';
import {
  fenceTables,
  renamePairs,
  renameStatement,
  renameTag,
  type RenameDirection,
} from '../../contract/rename-statement.js';
import { recordRenameDuration } from '../move-metrics.js';
import { claimFence, fenced, placeFence, settleFences } from './rename-fence.js';
import type { Clusters } from '../clusters.js';
import { whileHeartbeating } from '../heartbeat.js';
import { serverIdentity } from './server.js';

const IN_FLIGHT_POLL_MS = 200;

/** Runs the RENAME; returns the identity of the server it ran on (server.ts `serverIdentity`). */
async function runRename(clusters: Clusters, plan: RenamePlan, direction: RenameDirection): Promise<string> {
  const conn = await clusters.connect(plan.source);
  try {
    // Bounded wait for the metadata lock: a long-running transaction on the table must not
    // leave the RENAME (and every write queued behind it) waiting indefinitely.
    await conn.query('SET SESSION lock_wait_timeout = ?', [plan.lockWaitTimeoutSeconds]);
    // Read on the session that renames, before it does: nothing can fail after the RENAME.
    const renamedOn = await serverIdentity(conn);
    await placeFence(conn, plan);
    // Reported before sending: if this worker goes silent, the inspection kills this connection
    // first, so a RENAME sent late (after a pause) finds it gone.
    const ctx = Context.current();
    const progress: RenameProgress = { connectionId: conn.threadId };
    ctx.heartbeat(progress);
    if (ctx.cancellationSignal.aborted) throw new CancelledFailure('RENAME not sent: the step was cancelled');
    const sent = Date.now();
    await whileHeartbeating(conn.query(renameStatement(plan, direction)), progress);
    recordRenameDuration(plan.source, plan.database, direction, Date.now() - sent);
    return renamedOn;
  } catch (err) {
    if (err instanceof CancelledFailure) throw err;
    const e = err as { code?: string; sqlMessage?: string; message: string };
    if (fenced(plan, direction, err))
      throw failure(
        'RenameFenced',
        `RENAME ${direction === 'forward' ? '' : 'back '}on ${clusters.describe(plan.source)} refused: it came after the cutover had settled its outcome without it (fence ${fenceTables(plan.fence!).claim[direction]} claimed), so nothing was renamed`,
        { direction },
      );
    throw failure(
      'RenameFailed',
      `RENAME ${direction === 'forward' ? '' : 'back '}on ${clusters.describe(plan.source)} failed: ${e.sqlMessage ?? e.message}`,
      { code: e.code, direction },
    );
  } finally {
    await conn.end().catch(() => undefined);
  }
}

/**
 * Activity `renameSourceTables` (T1): one atomic RENAME TABLE statement for all tables. Returns the
 * server it ran on, read on the same session, so T2 can tell that its position is that server's.
 */
export async function renameSourceTables(clusters: Clusters, plan: RenamePlan): Promise<{ renamedOn: string }> {
  return { renamedOn: await runRename(clusters, plan, 'forward') };
}

/** Which of `names` exist in `database`. */
export async function tablesPresent(conn: mysql.Pool, database: string, names: string[]): Promise<Set<string>> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?)',
    [database, names],
  );
  return new Set(rows.map((row) => String(row.name)));
}

/** Kills the connection a silent T1 reported, when it is still there and still the worker's. */
async function endT1Connection(pool: mysql.Pool, id: number, user: string): Promise<void> {
  const [rows] = await pool.query<mysql.RowDataPacket[]>(
    'SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = ? AND USER = ?',
    [id, user],
  );
  if (rows.length) await pool.query('KILL CONNECTION ?', [id]).catch(() => undefined);
}

/**
 * Waits until no tagged RENAME of this cutover (either direction) is executing on the source. The
 * tag is matched as an exact substring up to its closing colon: attempt 1's must not match attempt
 * 10's, and LIKE would read `_` in a tag as a wildcard.
 */
async function waitForInFlightRename(conn: mysql.Pool, plan: RenamePlan): Promise<void> {
  const tag = renameTag(plan, 'forward')
    .slice(3, -3)
    .replace(/forward$/, '');
  const deadline = Date.now() + (plan.lockWaitTimeoutSeconds + 30) * 1_000;
  for (;;) {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE LOCATE(?, INFO) > 0 AND ID <> CONNECTION_ID()',
      [tag],
    );
    if (rows.length === 0) return;
    Context.current().heartbeat();
    if (Date.now() > deadline) {
      // lock_wait_timeout should have ended it long ago: stop it so the state settles.
      for (const row of rows) await conn.query('KILL QUERY ?', [Number(row.id)]).catch(() => undefined);
    }
    await sleep(IN_FLIGHT_POLL_MS);
  }
}

/**
 * What the source says about T1: `renamed` (every table under its old name), `not-renamed`
 * (every table under its own name). Anything else cannot come from one atomic RENAME: it stops
 * the cutover for an operator.
 */
export async function inspectRename(clusters: Clusters, plan: RenamePlan): Promise<RenameOutcome> {
  const pool = clusters.pool(plan.source);
  if (plan.t1ConnectionId !== undefined)
    await endT1Connection(pool, plan.t1ConnectionId, clusters.settings(plan.source).user);
  await waitForInFlightRename(pool, plan);
  // Settled from here on: a RENAME of this attempt (or of the earlier ones it settles) that
  // arrives later finds its claim taken and fails as a whole.
  await settleFences(clusters, plan);
  const names = renamePairs(plan);
  const present = await tablesPresent(
    pool,
    plan.database,
    names.flatMap(({ from, to }) => [from, to]),
  );
  if (names.every(({ from, to }) => present.has(to) && !present.has(from))) return 'renamed';
  if (names.every(({ from, to }) => present.has(from) && !present.has(to))) return 'not-renamed';
  const state = names
    .map(
      ({ from, to }) =>
        `${from}: ${present.has(from) ? 'present' : 'absent'}, ${to}: ${present.has(to) ? 'present' : 'absent'}`,
    )
    .join('; ');
  throw failure(
    'RenameStateConflict',
    `source tables in ${plan.database} are in a state no single RENAME produces (${state}); resolve by hand`,
    { database: plan.database },
  );
}

/** Activity `renameBack`, the compensation: renames the tables back when (and only when) the source shows them renamed. */
export async function renameBack(clusters: Clusters, plan: RenamePlan): Promise<{ renamedBack: boolean }> {
  if ((await inspectRename(clusters, plan)) === 'not-renamed') {
    // Nothing to undo: no earlier attempt of this compensation may undo anything later either.
    await claimFence(clusters, plan, 'back');
    return { renamedBack: false };
  }
  await runRename(clusters, plan, 'back');
  return { renamedBack: true };
}
