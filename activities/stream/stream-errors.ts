// A binlog the stream can no longer read. Everything else (a lost connection, a deadlock, a server
// restart) is retried by the activity's retry policy and shows as its last failure meanwhile; rows
// the target refuses for good are target/rejected-rows.ts.
import { failure } from '../../contract/failures.js';
import { asServerError } from '../target/rejected-rows.js';

/** ER_MASTER_FATAL_ERROR_READING_BINLOG: MariaDB and MySQL word a purged position this way. */
const FATAL_BINLOG_READ = 1236;

/** zongji's words for events it cannot decode (a compressed transaction, a partial JSON update). */
const UNREADABLE_EVENT = /^Server sent a (TRANSACTION_PAYLOAD_EVENT|PARTIAL_UPDATE_ROWS_EVENT)/;

/** The binlog reader's error as a typed failure when it cannot heal; else the error itself. */
export function binlogReadError(err: unknown, position: string, source: string): unknown {
  const unreadable = err instanceof Error ? UNREADABLE_EVENT.exec(err.message) : null;
  if (unreadable) {
    // Such an event may hold changes to the moved tables, which the stream would then miss.
    return failure(
      'UnsupportedBinlogEvent',
      `the binlog of ${source} holds a ${unreadable[1]} after ${position || '(its start)'}, which the stream cannot read: ${(err as Error).message}`,
      { position, event: unreadable[1] },
    );
  }
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
