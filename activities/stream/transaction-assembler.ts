// Groups binlog events into transactions and decides when each is complete. A transaction
// completes at its commit marker (Xid, COMMIT/ROLLBACK query) or, for DDL, at its own query
// event: a DDL has no commit marker, and waiting for the next transaction's GTID (as zongji's
// gtidSet does) would leave the cutover RENAME's GTID unapplied until the source writes again,
// which after T1 it may never do.
//
// XA: MariaDB binlogs a prepared XA transaction as its own group (rows, then `XA END xid`) and
// decides it later in another group (`XA COMMIT xid` or `XA ROLLBACK xid`). The prepared rows are
// handed on marked as such, to be kept until that decision; they are never applied at prepare.
// A transaction growing past `partialRows` rows or `partialBytes` is handed on in parts (no GTID completes with a part),
// so one huge transaction cannot hold the worker's memory: applying a part twice is harmless.
import { failure } from '../../contract/failures.js';
import { opsForUpdate, rowBytes, type Row, type RowOp, type TargetTable } from '../target/row-apply.js';
import { classifyQuery, type WatchedTables } from './ddl.js';

export type XaStep = { phase: 'prepare'; xid: string } | { phase: 'commit' | 'rollback'; xid: string };

export interface CompletedTransaction {
  /** Undefined on a part of a transaction still under way. */
  gtid: string | undefined;
  /** On such a part: the GTID of the transaction it belongs to. */
  partOf?: string;
  ops: RowOp[];
  /** Size of the rows (rowBytes): what they hold of the worker's memory. */
  bytes: number;
  /** Binlog event time (ms since epoch), for lag. */
  timestamp: number;
  /** Set on the cutover's own RENAME (or its compensation). */
  cutoverRename?: 'forward' | 'back';
  /** Set on the groups of an XA transaction decided in two phases. */
  xa?: XaStep;
}

interface OpenTransaction {
  gtid: string | undefined;
  ops: RowOp[];
  bytes: number;
  timestamp: number;
  xaEnded?: string;
}

/** The subset of zongji's event shape the assembler reads. */
export interface BinlogEventLike {
  getEventName(): string;
  gtid?: string;
  timestamp: number;
  tableMap?: Record<number, { parentSchema: string; tableName: string; columns?: BinlogColumn[] }>;
  tableId?: number;
  rows?: Array<Row | { before: Row; after: Row }>;
  /** A rows event's column count and which columns its before (and an update's after) image holds. */
  numberOfColumns?: number;
  columns_present_bitmap?: Buffer;
  columns_present_bitmap2?: Buffer;
  query?: string;
  schema?: string;
}

function bitsSet(bitmap: Buffer, columns: number): number {
  let set = 0;
  for (let i = 0; i < columns; i++) if (bitmap[i >> 3]! & (1 << (i & 7))) set++;
  return set;
}

/**
 * Whether a rows event carries every column in each image: a session with binlog_row_image
 * MINIMAL or NOBLOB leaves columns out, and an upsert without them would give the target row its
 * own defaults (or keep stale values) instead of the source's.
 */
function partialImage(event: BinlogEventLike): boolean {
  const columns = event.numberOfColumns;
  if (columns === undefined) return false;
  const images = [event.columns_present_bitmap, event.columns_present_bitmap2].filter((b) => b !== undefined);
  return images.some((bitmap) => bitsSet(bitmap, columns) < columns);
}

/** A column of zongji's table map: the row decoder reads each value by `type`. */
export interface BinlogColumn {
  name: string;
  type: number;
  charset?: string | null;
}

const COMMITS = /^\s*(COMMIT|ROLLBACK\s*$|ROLLBACK\s*;)/i;

/** MySQL's column type codes for YEAR, BLOB and GEOMETRY. */
const YEAR = 13;
const BLOB = 252;
const GEOMETRY = 255;

/**
 * zongji decodes a GEOMETRY value into points and drops its SRID and its WKB type, so it cannot be
 * written back. Its bytes are stored like a BLOB's (a length, then the server's own format: SRID,
 * then WKB), so a geometry column decoded as a BLOB without a charset arrives as exactly the bytes
 * the target stores. The table map is read before the rows events that use it.
 */
function geometryAsBytes(columns: BinlogColumn[]): void {
  for (const column of columns) {
    if (column.type !== GEOMETRY) continue;
    column.type = BLOB;
    column.charset = null;
  }
}

/**
 * zongji decodes a YEAR as its stored byte + 1900, so the year 0000 (stored 0) arrives as 1900,
 * a value no YEAR column holds (1901-2155 and 0): it is 0000 again.
 */
function yearZeroFixed(row: Row, yearColumns: string[]): Row {
  for (const column of yearColumns) if (row[column] === 1900) row[column] = 0;
  return row;
}
const XA_END = /^\s*XA\s+END\s+(.+?)\s*$/i;
const XA_DECISION = /^\s*XA\s+(COMMIT|ROLLBACK)\s+(.+?)(\s+ONE\s+PHASE)?\s*$/i;

/** xids as the binlog prints them (`X'7831',X'',1`), spaces dropped so both events agree. */
function xidKey(text: string): string {
  return text.replace(/\s+/g, '');
}

export class TransactionAssembler {
  private current: OpenTransaction | undefined;

  constructor(
    private readonly moved: WatchedTables,
    /** Source table name → where its rows go on the target. */
    private readonly targets: ReadonlyMap<string, TargetTable>,
    private readonly onComplete: (tx: CompletedTransaction) => void,
    private readonly partialRows = 2_500,
    private readonly partialBytes = 4 * 1024 * 1024,
  ) {}

  /** Binlog time of the transaction being read, if one is under way: the stream trails at least that far. */
  openSince(): number | undefined {
    return this.current?.timestamp;
  }

  handle(event: BinlogEventLike): void {
    switch (event.getEventName()) {
      case 'gtid':
      case 'mariadbgtid':
        // A new group implies the previous one ended (covers commit markers we never saw, and
        // MariaDB's XA_prepare event, which is not delivered as a query).
        this.complete();
        this.current = { gtid: event.gtid, ops: [], bytes: 0, timestamp: event.timestamp };
        return;
      case 'writerows':
      case 'updaterows':
      case 'deleterows':
        this.rowsEvent(event);
        return;
      case 'xid':
        this.complete();
        return;
      case 'tablemap':
        this.tableMapEvent(event);
        return;
      case 'query':
        this.queryEvent(event);
        return;
      default:
        return;
    }
  }

  private tableMapEvent(event: BinlogEventLike): void {
    const map = event.tableMap?.[event.tableId!];
    if (map?.columns && map.parentSchema === this.moved.database && this.targets.has(map.tableName))
      geometryAsBytes(map.columns);
  }

  private rowsEvent(event: BinlogEventLike): void {
    const map = event.tableMap?.[event.tableId!];
    if (!map || map.parentSchema !== this.moved.database) return;
    const table = this.targets.get(map.tableName);
    if (!table) return;
    if (partialImage(event))
      throw failure(
        'UnsupportedBinlogEvent',
        `a change to ${map.parentSchema}.${map.tableName} at GTID ${event.gtid ?? this.current?.gtid ?? '?'} arrived as a partial row image: a session wrote it with binlog_row_image MINIMAL or NOBLOB, and the stream needs every column to apply it exactly. The move cannot continue: find the session that changes binlog_row_image, keep it FULL, and start the move again`,
        { gtid: event.gtid ?? this.current?.gtid, table: `${map.parentSchema}.${map.tableName}` },
      );
    const tx = this.current ?? (this.current = { gtid: event.gtid, ops: [], bytes: 0, timestamp: event.timestamp });
    const ops = tx.ops.length;
    const name = event.getEventName();
    const years = (map.columns ?? []).filter((c) => c.type === YEAR).map((c) => c.name);
    const fix = (row: Row) => (years.length ? yearZeroFixed(row, years) : row);
    for (const row of event.rows ?? []) {
      if (name === 'writerows') tx.ops.push({ kind: 'upsert', table, row: fix(row as Row) });
      else if (name === 'deleterows') tx.ops.push({ kind: 'delete', table, row: fix(row as Row) });
      else {
        const change = row as { before: Row; after: Row };
        tx.ops.push(...opsForUpdate(table, fix(change.before), fix(change.after)));
      }
    }
    for (let i = ops; i < tx.ops.length; i++) tx.bytes += rowBytes(Object.values(tx.ops[i]!.row));
    if (tx.ops.length >= this.partialRows || tx.bytes >= this.partialBytes) this.handOnPart(tx);
  }

  /** Hands on what a big transaction has so far; an XA transaction's rows wait for its decision. */
  private handOnPart(tx: OpenTransaction): void {
    if (this.current?.xaEnded !== undefined) return;
    this.onComplete({
      gtid: undefined,
      ...(tx.gtid === undefined ? {} : { partOf: tx.gtid }),
      ops: tx.ops.splice(0),
      bytes: tx.bytes,
      timestamp: tx.timestamp,
    });
    tx.bytes = 0;
  }

  private queryEvent(event: BinlogEventLike): void {
    const query = event.query ?? '';
    const xaEnd = XA_END.exec(query);
    if (xaEnd) {
      if (this.current) this.current.xaEnded = xidKey(xaEnd[1]!);
      return;
    }
    const decision = XA_DECISION.exec(query);
    if (decision) {
      if (decision[3]) {
        // One phase: the group holds its own rows and commits them now.
        if (this.current) delete this.current.xaEnded;
        this.complete();
      } else {
        this.complete(undefined, {
          phase: decision[1]!.toLowerCase() as 'commit' | 'rollback',
          xid: xidKey(decision[2]!),
        });
      }
      return;
    }
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
      case 'statement-dml': {
        // The statement's text may carry row values: only its verb and tables are named.
        const gtid = event.gtid ?? this.current?.gtid;
        throw failure(
          'UnsupportedBinlogEvent',
          `a change to ${kind.tables.join(', ')} reached the binlog as a statement (${kind.verb} at GTID ${gtid ?? '?'}), not as row images: a session wrote it with binlog_format STATEMENT or MIXED, and the stream applies row images only. The target has missed that change, so the move cannot continue: find the session that changes binlog_format (SET SESSION binlog_format), keep it ROW, and start the move again`,
          { gtid, tables: kind.tables, verb: kind.verb },
        );
      }
      case 'cutover-rename':
        this.complete(kind.direction);
        return;
      case 'unrelated':
        // A DDL or other standalone statement: its own event ends its group.
        this.complete();
        return;
    }
  }

  private complete(cutoverRename?: 'forward' | 'back', decision?: XaStep): void {
    const tx = this.current;
    this.current = undefined;
    if (!tx) return;
    if (tx.gtid === undefined) {
      throw failure(
        'BinlogMisconfigured',
        'a binlog transaction arrived without a GTID: the source must run with GTIDs (MySQL: gtid_mode=ON)',
      );
    }
    const xa: XaStep | undefined =
      decision ?? (tx.xaEnded !== undefined ? { phase: 'prepare', xid: tx.xaEnded } : undefined);
    this.onComplete({
      gtid: tx.gtid,
      ops: tx.ops,
      bytes: tx.bytes,
      timestamp: tx.timestamp,
      ...(cutoverRename ? { cutoverRename } : {}),
      ...(xa ? { xa } : {}),
    });
  }
}
