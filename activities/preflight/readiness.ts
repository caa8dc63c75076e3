// The readiness gate, right before T1: a RENAME that cannot drain, or that waits behind a long
// transaction, is an outage for nothing. Vitess refuses to switch traffic while lag is high; this
// also refuses while the stream is failing or a long transaction holds a moved table.
import type { Client } from '@temporalio/client';
import type mysql from 'mysql2/promise';
import type { Readiness, ReadinessInput } from '../../contract/activities.js';
import { failure } from '../../contract/failures.js';
import { serverFlavor, type Clusters } from '../clusters.js';
import { observeStream } from '../stream/stream-health.js';
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

/** Transactions older than the limit holding a moved table, or why the server cannot tell. */
async function longTransactions(pool: mysql.Pool, input: ReadinessInput): Promise<LockHolder[] | { skipped: string }> {
  const flavor = await serverFlavor(pool);
  if (flavor === 'mariadb') {
    const [plugin] = await pool.query<mysql.RowDataPacket[]>(
      "SELECT 1 FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'METADATA_LOCK_INFO' AND PLUGIN_STATUS = 'ACTIVE'",
    );
    if (!plugin.length) return { skipped: "no metadata-lock view (MariaDB: INSTALL SONAME 'metadata_lock_info')" };
  }
  try {
    const [rows] = await pool.query<mysql.RowDataPacket[]>(flavor === 'mariadb' ? MARIADB_HOLDERS : MYSQL_HOLDERS, [
      input.database,
      input.tables,
      input.maxTransactionAgeSeconds,
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
  const holders = await longTransactions(clusters.pool(input.source), input);
  if ('skipped' in holders) {
    notes.push(`long transactions not checked on ${where}: ${holders.skipped}`);
  } else if (holders.length) {
    const list = holders
      .map(
        (h) =>
          `connection ${h.id} (${h.user ?? '?'}) holds ${input.database}.${h.tbl} in a transaction open ${h.age.toFixed(1)} s`,
      )
      .join('; ');
    throw failure(
      'NotReady',
      `a transaction older than ${input.maxTransactionAgeSeconds} s holds a moved table, so the RENAME would wait behind it (and every query on the table behind the RENAME): ${list}`,
      { connections: holders.map((h) => h.id) },
    );
  }
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
  return { sourcePosition: lag.sourcePosition, lagMs: lag.lagMs, notes };
}
