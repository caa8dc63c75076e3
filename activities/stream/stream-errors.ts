// Which stream errors no retry can heal. Everything else (a lost connection, a deadlock, a server
// restart) is retried by the activity's retry policy and shows as its last failure meanwhile.
import { failure } from '../../contract/failures.js';
import type { ApplicationFailure } from '@temporalio/common';

interface ServerError {
  errno?: number;
  code?: string;
  sqlMessage?: string;
  message: string;
}

/** ER_MASTER_FATAL_ERROR_READING_BINLOG: MariaDB and MySQL word a purged position this way. */
const FATAL_BINLOG_READ = 1236;

/** Errors a row gets from the target every time it is applied: the row or the target schema must change. */
const PERMANENT_ROW_ERRORS = new Set([
  1048, // column cannot be null
  1054, // unknown column: the target table differs
  1062, // duplicate entry for a unique secondary key
  1136, // column count does not match
  1146, // table does not exist on the target
  1264, // out of range
  1292, // incorrect value (dates, numbers)
  1366, // incorrect string value (charset)
  1406, // data too long
  1416, // cannot get geometry object
  1451, // a foreign key refuses the delete or update
  1452, // a foreign key refuses the insert or update
  1906, // MariaDB: a value for a generated column
  3105, // MySQL: a value for a generated column
  3819, // MySQL: CHECK constraint
  4025, // MariaDB: CHECK constraint
]);

function asServerError(err: unknown): ServerError | undefined {
  return err instanceof Error && typeof (err as ServerError).errno === 'number' ? (err as ServerError) : undefined;
}

/** The binlog reader's error as a typed failure when it cannot heal; else the error itself. */
export function binlogReadError(err: unknown, position: string, source: string): unknown {
  const server = asServerError(err);
  if (server?.errno === FATAL_BINLOG_READ && /purged/i.test(server.sqlMessage ?? server.message)) {
    return failure(
      'BinlogPurged',
      `the binlogs the stream needs to resume from ${position || '(its start)'} are no longer on ${source}: ${server.sqlMessage ?? server.message}. ` +
        'The move cannot continue; start a new move (empty the target tables first) and keep binlogs longer than a move can be down ' +
        '(MariaDB: binlog_expire_logs_seconds / expire_logs_days; MySQL: binlog_expire_logs_seconds)',
      { position, errno: server.errno },
    );
  }
  return err;
}

export function isPermanentRowError(err: unknown): boolean {
  const errno = asServerError(err)?.errno;
  return errno !== undefined && PERMANENT_ROW_ERRORS.has(errno);
}

export interface RejectedRow {
  table: string;
  key: unknown[];
  gtid: string;
  err: unknown;
}

export function rowRejected({ table, key, gtid, err }: RejectedRow, target: string): ApplicationFailure {
  const server = asServerError(err)!;
  return failure(
    'RowRejected',
    `${target} refuses the row of ${table} with key ${JSON.stringify(key)} (source GTID ${gtid}): ${server.sqlMessage ?? server.message}. ` +
      'Retrying cannot change that: make the target table accept the row (its definition must match the source), then start the move again',
    { table, key, gtid, errno: server.errno },
  );
}
