// The readiness gate, right before T1: a RENAME that cannot drain, or that waits behind a long
// transaction, is an outage for nothing. Vitess refuses to switch traffic while lag is high; this
// also refuses while the stream is failing or a long transaction holds a moved table.
import type { Client } from '@temporalio/client';
import type mysql from 'mysql2/promise';
import type { Readiness, ReadinessInput } from '../../contract/activities.js';
import { failure } from '../../contract/failures.js';
import { serverFlavor, type Clusters } from '../clusters.js';
import { observeStream } from '../stream/stream-health.js';
import { undecidedXids } from '../target/pending-xa.js';
import { measureStreamLag } from '../stream/stream-lag.js';

/**
 * A connection holding a moved table. Its query text is not taken: it may hold values or secrets,
 * and what this reports ends up in workflow history.
 */
interface LockHolder {
  id: number;
  tbl: string;
  age: number;
  user: string | null;
}

// trx_started has whole seconds: against NOW(6) a transaction's age errs on the old side, by under
// a second, which can only make the gate more careful.
const MARIADB_HOLDERS = `
  SELECT m.THREAD_ID AS id, m.TABLE_NAME AS tbl, TIMESTAMPDIFF(MICROSECOND, t.trx_started, NOW(6)) / 1e6 AS age,
         p.USER AS user
    FROM information_schema.METADATA_LOCK_INFO m
    JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = m.THREAD_ID
    LEFT JOIN information_schema.PROCESSLIST p ON p.ID = m.THREAD_ID
   WHERE m.TABLE_SCHEMA = ? AND m.TABLE_NAME IN (?) AND m.THREAD_ID <> CONNECTION_ID()
     AND TIMESTAMPDIFF(MICROSECOND, t.trx_started, NOW(6)) / 1e6 > ?`;

const MYSQL_HOLDERS = `
  SELECT th.PROCESSLIST_ID AS id, m.OBJECT_NAME AS tbl, TIMESTAMPDIFF(MICROSECOND, t.trx_started, NOW(6)) / 1e6 AS age,
         th.PROCESSLIST_USER AS user
    FROM performance_schema.metadata_locks m
    JOIN performance_schema.threads th ON th.THREAD_ID = m.OWNER_THREAD_ID
    JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = th.PROCESSLIST_ID
   WHERE m.OBJECT_TYPE = 'TABLE' AND m.OBJECT_SCHEMA = ? AND m.OBJECT_NAME IN (?) AND th.PROCESSLIST_ID <> CONNECTION_ID()
     AND TIMESTAMPDIFF(MICROSECOND, t.trx_started, NOW(6)) / 1e6 > ?`;

/** Transactions older than `maxAge` seconds holding one of `tables`, or why the server cannot tell. */
async function longTransactions(
  pool: mysql.Pool,
  database: string,
  tables: string[],
  maxAge: number,
): Promise<LockHolder[] | { skipped: string }> {
  const flavor = await serverFlavor(pool);
  if (flavor === 'mariadb') {
    const [plugin] = await pool.query<mysql.RowDataPacket[]>(
      "SELECT 1 FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'METADATA_LOCK_INFO' AND PLUGIN_STATUS = 'ACTIVE'",
    );
    if (!plugin.length) return { skipped: "no metadata-lock view (MariaDB: INSTALL SONAME 'metadata_lock_info')" };
  }
  try {
    const [rows] = await pool.query<mysql.RowDataPacket[]>(flavor === 'mariadb' ? MARIADB_HOLDERS : MYSQL_HOLDERS, [
      database,
      tables,
      maxAge,
    ]);
    return rows.map((r) => ({
      id: Number(r.id),
      tbl: String(r.tbl),
      age: Number(r.age),
      user: r.user,
    }));
  } catch (err) {
    // INNODB_TRX needs PROCESS; without it other accounts' transactions are invisible.
    if ((err as { errno?: number }).errno === 1227) return { skipped: "the worker's account lacks PROCESS" };
    throw err;
  }
}

/** NotReady when an old transaction holds one of the tables on `cluster`; a check that cannot run is noted. */
async function refuseLongTransactions(
  clusters: Clusters,
  side: 'source' | 'target',
  cluster: string,
  database: string,
  input: ReadinessInput,
  notes: string[],
): Promise<void> {
  const where = clusters.describe(cluster);
  const holders = await longTransactions(
    clusters.pool(cluster),
    database,
    side === 'target' ? (input.targetTables ?? input.tables) : input.tables,
    input.maxTransactionAgeSeconds,
  );
  if ('skipped' in holders) {
    notes.push(`long transactions not checked on ${where}: ${holders.skipped}`);
    return;
  }
  if (!holders.length) return;
  const list = holders
    .map(
      (h) =>
        `connection ${h.id} (${h.user ?? '?'}) holds ${database}.${h.tbl} in a transaction open ${h.age.toFixed(1)} s`,
    )
    .join('; ');
  const waits =
    side === 'source'
      ? 'the RENAME would wait behind it (and every query on the table behind the RENAME)'
      : "T3's AUTO_INCREMENT update on the target would wait behind it while the source is renamed";
  throw failure(
    'NotReady',
    `a transaction older than ${input.maxTransactionAgeSeconds} s holds a moved table on the ${side} (${where}), so ${waits}: ${list}`,
    { side, connections: holders.map((h) => h.id) },
  );
}

/** Activity `checkReadiness`. */
export async function checkReadiness(clusters: Clusters, temporal: Client, input: ReadinessInput): Promise<Readiness> {
  const where = clusters.describe(input.source);
  if (input.streamWorkflowId) {
    const health = await observeStream(temporal, input.streamWorkflowId);
    if (!health.running)
      throw failure(
        'NotReady',
        `the stream (${input.streamWorkflowId}) is not running: nothing would drain the RENAME`,
      );
    if (health.lastError) {
      throw failure('NotReady', `the stream is failing (attempt ${health.attempt}): ${health.lastError}`, {
        attempt: health.attempt,
      });
    }
  }
  const notes: string[] = [];
  await refuseLongTransactions(clusters, 'source', input.source, input.database, input, notes);
  // The target too: T3 raises its AUTO_INCREMENT counters while the source is renamed, and that
  // ALTER waits behind any transaction holding the table.
  if (input.targetDatabase !== undefined)
    await refuseLongTransactions(clusters, 'target', input.target, input.targetDatabase, input, notes);
  const lag = await measureStreamLag(clusters, {
    source: input.source,
    target: input.target,
    streamId: input.streamId,
    timeoutMs: input.maxStreamLagMs,
  });
  if (!lag.caughtUp) {
    throw failure(
      'NotReady',
      `the stream did not apply the source position ${lag.sourcePosition} within ${input.maxStreamLagMs} ms (applied: ${lag.appliedPosition || 'nothing'}): the drain would not finish in time`,
      { sourcePosition: lag.sourcePosition, appliedPosition: lag.appliedPosition },
    );
  }
  // Read once the stream has caught up: every prepare the source binlogged so far is known.
  const xids = await undecidedXids(clusters.pool(input.target), input.streamId);
  if (xids.length) {
    throw failure(
      'NotReady',
      `${xids.length} XA transaction(s) prepared on ${where} with rows of the moved tables are not yet committed or rolled back (xid ${xids.join(', ')}): one that commits after the RENAME would land after the drain. Decide them (XA COMMIT or XA ROLLBACK; XA RECOVER lists them)`,
      { xids },
    );
  }
  return { sourcePosition: lag.sourcePosition, lagMs: lag.lagMs, notes };
}
