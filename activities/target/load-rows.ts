// A copy chunk written with LOAD DATA LOCAL INFILE: the target reads rows as tab-separated bytes
// (row-lines.ts) instead of parsing them as SQL, about half the target's time per row of an
// INSERT of the same rows. LOCAL implies IGNORE (the server cannot stop the client's stream), so
// the server's warnings decide: a row skipped for a duplicate key is a row the stream brought
// already (newer), kept as the INSERT path keeps it; a row skipped for any other reason (no
// partition for it) or a value stored other than exactly means the chunk is rolled back and written
// by INSERTs instead, whose strict mode names the row.
import { Readable } from 'node:stream';
import type mysql from 'mysql2/promise';
import { qualified } from '../../contract/identifiers.js';
import { loadColumns } from '../copy/row-lines.js';
import { callbackConnection, type Queryable } from '../clusters.js';
import type { Column } from '../table-info.js';
import { DUPLICATE_KEY } from './rejected-rows.js';

/** Bytes per packet sent: the protocol's packets hold at most 16 MB. */
const PACKET_BYTES = 1024 * 1024;

/** Whether the target accepts LOAD DATA LOCAL (`local_infile`, on by default in MariaDB, off in MySQL 8). */
export async function acceptsLocalLoad(conn: Queryable): Promise<boolean> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT @@GLOBAL.local_infile AS enabled');
  return Number(rows[0]?.enabled) === 1;
}

/** Prepare's warning for a target without it: the move still copies, at the INSERT path's speed. */
export const LOCAL_LOAD_OFF =
  "the target's local_infile is OFF: the copy writes rows by INSERT, which takes the target about twice the time per row of LOAD DATA LOCAL INFILE (SET GLOBAL local_infile = ON on the target to load them)";

/**
 * The statement that loads `columns` (the written ones, in the order their line fields are read) into the
 * target table.
 */
export function loadStatement(database: string, table: string, columns: Column[]): string {
  const { list, set } = loadColumns(columns);
  return (
    String.raw`LOAD DATA LOCAL INFILE 'move-tables-chunk' IGNORE INTO TABLE ${qualified(database, table)}` +
    String.raw` CHARACTER SET binary FIELDS TERMINATED BY '\t' ESCAPED BY '\\' LINES TERMINATED BY '\n' ${list}${set}`
  );
}

/**
 * The parts of mysql2 3.x's connection the file's packets are written with (its types omit them; see
 * read-lines.ts for why package.json pins mysql2): its own writes of packets past 16 MB use them so.
 */
interface PacketWriter {
  sequenceId: number;
  _bumpSequenceId(packets: number): void;
  write(buffer: Buffer): void;
}

/**
 * Writes `data` as the file's packets straight from the chunk's buffer, each after its 4-byte
 * header: mysql2's infile stream copies every piece into a new buffer first (a second copy of every
 * row, and external memory its garbage collector ran for). Returns the stream mysql2 reads the file
 * from, empty: its end sends the empty packet that closes the file, after these.
 */
function sentInPlace(writer: PacketWriter, data: Buffer): Readable {
  for (let from = 0; from < data.length; from += PACKET_BYTES) {
    const piece = data.subarray(from, from + PACKET_BYTES);
    writer.write(Buffer.from([piece.length & 0xff, (piece.length >> 8) & 0xff, piece.length >> 16, writer.sequenceId]));
    writer._bumpSequenceId(1);
    writer.write(piece);
  }
  return Readable.from([]);
}

/**
 * Loads `lines` (LF-ended, as `readLines` joins them) in the connection's open transaction. Returns
 * false when the server stored some value other than exactly, or skipped a row for another reason
 * than a duplicate key (the caller rolls back and takes the INSERT path).
 */
export async function loadRows(conn: mysql.Connection, statement: string, lines: Buffer): Promise<boolean> {
  const [result] = await conn.query<mysql.ResultSetHeader>({
    sql: statement,
    infileStreamFactory: () => sentInPlace(callbackConnection(conn) as unknown as PacketWriter, lines),
  });
  const skipped = Number(/Skipped: (\d+)/.exec(result.info)?.[1] ?? 0);
  if (result.warningStatus !== skipped) return false;
  if (skipped === 0) return true;
  // The server counts any row it skipped; only duplicates may be. All warnings must be listed
  // (max_error_count) and each must be one.
  const [warnings] = await conn.query<mysql.RowDataPacket[]>('SHOW WARNINGS');
  return warnings.length === skipped && warnings.every((w) => Number(w.Code) === DUPLICATE_KEY);
}
