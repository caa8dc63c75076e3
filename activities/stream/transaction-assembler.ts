// Groups binlog events into transactions and decides when each is complete. A transaction
// completes at its commit marker (Xid, COMMIT/ROLLBACK query) or, for DDL, at its own query
// event: a DDL has no commit marker, and waiting for the next transaction's GTID (as zongji's
// gtidSet does) would leave the cutover RENAME's GTID unapplied until the source writes again,
// which after T1 it may never do.
import { failure } from '../../contract/failures.js';
import { opsForUpdate, type Row, type RowOp, type TargetTable } from '../target/row-apply.js';
import { classifyQuery, type WatchedTables } from './ddl.js';

export interface CompletedTransaction {
  gtid: string;
  ops: RowOp[];
  /** Binlog event time (ms since epoch), for lag. */
  timestamp: number;
  /** Set on the cutover's own RENAME (or its compensation). */
  cutoverRename?: 'forward' | 'back';
}

/** The subset of zongji's event shape the assembler reads. */
export interface BinlogEventLike {
  getEventName(): string;
  gtid?: string;
  timestamp: number;
  tableMap?: Record<number, { parentSchema: string; tableName: string }>;
  tableId?: number;
  rows?: Array<Row | { before: Row; after: Row }>;
  query?: string;
  schema?: string;
}

const COMMITS = /^\s*(COMMIT|ROLLBACK\s*$|ROLLBACK\s*;|XA\s+COMMIT|XA\s+ROLLBACK)/i;

export class TransactionAssembler {
  private current: { gtid: string | undefined; ops: RowOp[]; timestamp: number } | undefined;

  constructor(
    private readonly moved: WatchedTables,
    /** Source table name → where its rows go on the target. */
    private readonly targets: ReadonlyMap<string, TargetTable>,
    private readonly onComplete: (tx: CompletedTransaction) => void,
  ) {}

  handle(event: BinlogEventLike): void {
    switch (event.getEventName()) {
      case 'gtid':
      case 'mariadbgtid':
        // A new group implies the previous one ended (covers commit markers we never saw).
        this.complete();
        this.current = { gtid: event.gtid, ops: [], timestamp: event.timestamp };
        return;
      case 'writerows':
      case 'updaterows':
      case 'deleterows':
        this.rowsEvent(event);
        return;
      case 'xid':
        this.complete();
        return;
      case 'query':
        this.queryEvent(event);
        return;
      default:
        return;
    }
  }

  private rowsEvent(event: BinlogEventLike): void {
    const map = event.tableMap?.[event.tableId!];
    if (!map || map.parentSchema !== this.moved.database) return;
    const table = this.targets.get(map.tableName);
    if (!table) return;
    const tx = this.current ?? (this.current = { gtid: event.gtid, ops: [], timestamp: event.timestamp });
    const name = event.getEventName();
    for (const row of event.rows ?? []) {
      if (name === 'writerows') tx.ops.push({ kind: 'upsert', table, row: row as Row });
      else if (name === 'deleterows') tx.ops.push({ kind: 'delete', table, row: row as Row });
      else tx.ops.push(...opsForUpdate(table, (row as { before: Row }).before, (row as { after: Row }).after));
    }
  }

  private queryEvent(event: BinlogEventLike): void {
    const query = event.query ?? '';
    const kind = classifyQuery(query, event.schema ?? '', this.moved);
    switch (kind.kind) {
      case 'control':
        if (COMMITS.test(query)) this.complete();
        return;
      case 'unsupported':
        throw failure(
          'UnsupportedDdl',
          `DDL on a moved table (${kind.tables.join(', ')}) at GTID ${event.gtid ?? '?'}: the stream cannot follow schema changes during a move. Statement: ${query.slice(0, 500)}`,
          { gtid: event.gtid, tables: kind.tables },
        );
      case 'cutover-rename':
        this.complete(kind.direction);
        return;
      case 'unrelated':
        // A DDL or other standalone statement: its own event ends its group.
        this.complete();
        return;
    }
  }

  private complete(cutoverRename?: 'forward' | 'back'): void {
    const tx = this.current;
    this.current = undefined;
    if (!tx) return;
    if (tx.gtid === undefined) {
      throw failure(
        'BinlogMisconfigured',
        'a binlog transaction arrived without a GTID: the source must run with GTIDs (MySQL: gtid_mode=ON)',
      );
    }
    this.onComplete({
      gtid: tx.gtid,
      ops: tx.ops,
      timestamp: tx.timestamp,
      ...(cutoverRename ? { cutoverRename } : {}),
    });
  }
}
