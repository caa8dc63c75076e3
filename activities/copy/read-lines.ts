// A chunk's load lines written straight into one buffer from the row packets as they arrive: no
// value, array or string is made per row (holding 5,000-row chunks as arrays had the worker's garbage
// collector copy and promote them, its largest cost per row after the socket writes), and each
// value's bytes are escaped here, not in the source's SQL: the source is the application's primary.
import type mysql from 'mysql2/promise';
import { callbackConnection } from '../clusters.js';
import type { Key } from './keyset.js';

/** A chunk's rows as LF-ended lines, with the keys that bound it. */
export interface ChunkLines {
  data: Buffer;
  rows: number;
  /** Keys of the first and the last row (undefined: no row). */
  firstKey?: Key;
  lastKey?: Key;
}

const BACKSLASH = 0x5c;
const TAB = 0x09;
const LF = 0x0a;

/** A byte the format reserves: written escaped. */
const reserved = (byte: number): boolean => byte === BACKSLASH || byte === TAB || byte === LF;

/** Whether `source[start, stop)` holds a byte the format reserves. */
function reservedIn(source: Buffer, start: number, stop: number): boolean {
  for (let i = start; i < stop; i++) if (reserved(source[i]!)) return true;
  return false;
}

/**
 * Where a session's chunks are joined as LOAD DATA's default format reads them (fields ended by TAB,
 * lines by LF, `\` escaping, NULL as `\N`), reused from chunk to chunk (a new buffer per chunk was
 * external memory the garbage collector ran for); grows by doubling to the largest chunk.
 */
export class LineBuffer {
  private data = Buffer.allocUnsafe(64 * 1024);
  private length = 0;

  /** Empties it for a chunk of about `bytes`: what an earlier chunk returned is overwritten. */
  reset(bytes: number): void {
    this.length = 0;
    if (bytes > this.data.length) this.data = Buffer.allocUnsafe(bytes);
  }

  private reserve(bytes: number): void {
    const needed = this.length + bytes;
    if (needed <= this.data.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, this.data.length * 2));
    this.data.copy(grown, 0, 0, this.length);
    this.data = grown;
  }

  /**
   * Appends a text-protocol row's first `plain.length` values (each a length-encoded string, or 0xfb
   * for NULL) as one line; `plain[i]`: value i prints in digits and punctuation, no byte to escape.
   * Most rows take one copy of their bytes, each value's one-byte length overwritten by the separator
   * before it: per-value calls and per-byte writes had cost the worker more than the source saved.
   */
  appendRow(source: Buffer, offset: number, plain: readonly boolean[]): void {
    let end = offset;
    for (let i = 0; i < plain.length; i++) {
      const length = source[end]!;
      if (length >= 0xfb || (!plain[i] && reservedIn(source, end + 1, end + 1 + length))) {
        this.appendFields(source, offset, plain.length);
        return;
      }
      end += 1 + length;
    }
    this.reserve(end - offset);
    // Source byte j lands at `shift + j`: the row's first length byte is not copied.
    const shift = this.length - offset - 1;
    source.copy(this.data, this.length, offset + 1, end);
    for (let at = offset + 1 + source[offset]!; at < end; at += 1 + source[at]!) this.data[shift + at] = TAB;
    this.data[shift + end] = LF;
    this.length = shift + end + 1;
  }

  /** Appends the row's `fields` values one by one: NULLs, values of 251 bytes or more, bytes to escape. */
  private appendFields(source: Buffer, offset: number, fields: number): void {
    let at = offset;
    for (let i = 1; i <= fields; i++) {
      const end = i === fields ? LF : TAB;
      const first = source[at++]!;
      if (first === 0xfb) {
        this.appendNull(end);
        continue;
      }
      let length = first;
      if (first === 0xfc) {
        length = source.readUInt16LE(at);
        at += 2;
      } else if (first === 0xfd) {
        length = source.readUIntLE(at, 3);
        at += 3;
      } else if (first === 0xfe) {
        length = Number(source.readBigUInt64LE(at));
        at += 8;
      }
      this.appendEscaped(source, at, at + length, end);
      at += length;
    }
  }

  /** Appends the bytes `source[start, stop)` as one value, `\`, TAB and LF escaped; then `end`. */
  private appendEscaped(source: Buffer, start: number, stop: number, end: number): void {
    this.reserve(2 * (stop - start) + 1);
    const out = this.data;
    let at = this.length;
    for (let i = start; i < stop; i++) {
      const byte = source[i]!;
      if (reserved(byte)) {
        out[at++] = BACKSLASH;
        out[at++] = byte === TAB ? 0x74 : byte === LF ? 0x6e : BACKSLASH;
      } else out[at++] = byte;
    }
    out[at++] = end;
    this.length = at;
  }

  /** Appends NULL as a value (`\N`); then `end`. */
  private appendNull(end: number): void {
    this.reserve(3);
    this.data[this.length++] = BACKSLASH;
    this.data[this.length++] = 0x4e;
    this.data[this.length++] = end;
  }

  bytes(): Buffer {
    return this.data.subarray(0, this.length);
  }
}

/**
 * The parts of mysql2 3.x's text-protocol query command this reads (its types omit them), which is why
 * package.json pins mysql2 to one version. The driver passes every packet in one reused object: a row
 * is only kept as its place in the received bytes.
 */
interface RowPacket {
  buffer: Buffer;
  start: number;
  offset: number;
  end: number;
  isEOF(): boolean;
  clone(): RowPacket;
}
type RowState = (this: QueryCommand, packet: RowPacket, connection: unknown) => RowState | null;
interface QueryCommand {
  row: RowState;
  _rowParser: { next(packet: RowPacket, fields: unknown, options: unknown): unknown[] };
  _currentFields: unknown;
  options: unknown;
  on(event: string, listener: (...args: never[]) => void): QueryCommand;
}

/** Where a row packet's bytes are (the chunk they were received in is not reused), to parse it later. */
interface RowPlace {
  buffer: Buffer;
  start: number;
  offset: number;
  end: number;
}
const noRow = (): RowPlace => ({ buffer: Buffer.alloc(0), start: 0, offset: 0, end: 0 });
function keep(place: RowPlace, packet: RowPacket, offset: number): void {
  place.buffer = packet.buffer;
  place.start = packet.start;
  place.offset = offset;
  place.end = packet.end;
}

/**
 * Runs `sql` on `conn` (a row: the values that make its line, `plain` saying which print with no byte to
 * escape, then the key's columns) and joins the lines in `lines`, reset for `expectedBytes`: the data is
 * valid until its next reset.
 */
export function readLines(
  conn: mysql.Connection,
  options: { sql: string; values: unknown[] },
  plain: readonly boolean[],
  lines: LineBuffer,
  expectedBytes: number,
): Promise<ChunkLines> {
  lines.reset(expectedBytes);
  return new Promise((resolve, reject) => {
    const connection = callbackConnection(conn);
    let rows = 0;
    const first = noRow();
    const last = noRow();
    let keys: Pick<ChunkLines, 'firstKey' | 'lastKey'> = {};
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      connection.removeListener('error', fail);
      outcome();
    };
    const fail = (err: Error) => settle(() => reject(err));
    // A connection lost before or during the query (KILLed, reset) tells the connection, not a query
    // without a callback: listened to here, or the read would wait forever.
    connection.on('error', fail);
    const query = connection.query({ ...options, rowsAsArray: true }) as unknown as QueryCommand;
    const parsedRow = query.row;
    // The command's state for each row packet: its line written into `lines`, nothing made.
    const lineRow: RowState = function (packet, conn) {
      if (packet.isEOF()) {
        // The first and the last row parsed as the driver parses any row, for the keys after the line.
        const keyOf = (place: RowPlace) =>
          query._rowParser
            .next(Object.assign(packet.clone(), place), query._currentFields, query.options)
            .slice(plain.length);
        try {
          if (rows > 0) keys = { firstKey: keyOf(first), lastKey: keyOf(last) };
        } catch (err) {
          fail(err as Error);
        }
        return parsedRow.call(this, packet, conn);
      }
      const offset = packet.offset;
      lines.appendRow(packet.buffer, offset, plain);
      if (rows === 0) keep(first, packet, offset);
      keep(last, packet, offset);
      rows++;
      return lineRow;
    };
    query.row = lineRow;
    query
      // Rows reach 'result' only if the driver no longer calls `row` per row packet: then no line was
      // joined, and a chunk that looked empty would end the copy short.
      .on('result', () => fail(new Error('mysql2 passed a copy row past the line reader: its query command changed')))
      .on('error', fail)
      .on('end', () => settle(() => resolve({ data: lines.bytes(), rows, ...keys })));
  });
}
