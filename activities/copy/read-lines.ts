// A chunk's load lines read straight into one buffer as the rows arrive. Each row's objects (the
// driver's packet, array and line slice) die at once instead of living until the chunk is written:
// holding 5,000-row chunks as arrays had the worker's garbage collector copy and promote them,
// its largest cost per row after the socket writes.
import type { Connection as CallbackConnection } from 'mysql2';
import type mysql from 'mysql2/promise';
import type { Key } from './keyset.js';

/** A chunk's rows as LF-ended lines, with the keys that bound it. */
export interface ChunkLines {
  data: Buffer;
  rows: number;
  /** Keys of the first and the last row (undefined: no row). */
  firstKey?: Key;
  lastKey?: Key;
}

/**
 * Where a session's chunks are joined, reused from chunk to chunk (a new buffer per chunk was
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

  append(line: Buffer): void {
    const needed = this.length + line.length + 1;
    if (needed > this.data.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.data.length * 2));
      this.data.copy(grown, 0, 0, this.length);
      this.data = grown;
    }
    this.length += line.copy(this.data, this.length);
    this.data[this.length++] = 0x0a;
  }

  bytes(): Buffer {
    return this.data.subarray(0, this.length);
  }
}

/**
 * The callback connection under a promise one, whose queries emit rows one by one (mysql2 has it;
 * its types omit it).
 */
const rowEvents = (conn: mysql.Connection) => (conn as unknown as { connection: CallbackConnection }).connection;

/**
 * Runs `sql` (rows as arrays: the line's bytes, then the key's columns) on `conn` and joins the
 * lines in `lines`, reset for `expectedBytes`: the data is valid until its next reset.
 */
export function readLines(
  conn: mysql.Connection,
  options: { sql: string; values: unknown[] },
  lines: LineBuffer,
  expectedBytes: number,
): Promise<ChunkLines> {
  lines.reset(expectedBytes);
  return new Promise((resolve, reject) => {
    const connection = rowEvents(conn);
    let rows = 0;
    let first: unknown[] | undefined;
    let last: unknown[] | undefined;
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
    connection
      .query({ ...options, rowsAsArray: true })
      .on('result', (row: unknown) => {
        last = row as unknown[];
        first ??= last;
        rows++;
        lines.append(last[0] as Buffer);
      })
      .on('error', fail)
      .on('end', () =>
        settle(() =>
          resolve({
            data: lines.bytes(),
            rows,
            ...(first && last ? { firstKey: first.slice(1), lastKey: last.slice(1) } : {}),
          }),
        ),
      );
  });
}
