// Two read views of one moment: the live side's consistent snapshot at a binlog position, and the
// copy's snapshot once its stream has applied exactly that position (as Vitess's VDiff does):
//   1. the stream is held where it stands, and acknowledges (it applies nothing more);
//   2. the live side opens its snapshot and reads the position it stands at;
//   3. the stream is let run up to exactly that position and no further;
//   4. the copy opens its snapshot; the stream's applied position read inside it proves which
//      source transactions it holds (the stream commits its position with its rows);
//   5. the hold is released: the stream goes on at once. The application's writes never wait.
// The position, exactly with the snapshot:
//   - MariaDB: `binlog_snapshot_file`/`binlog_snapshot_position` are the binlog offset of the
//     transaction's own consistent snapshot, and BINLOG_GTID_POS() turns the offset into a GTID
//     position. Nothing is locked.
//   - MySQL has no such status: the moved tables are read-locked (LOCK TABLES ... READ, for the
//     time of two statements) while the snapshot opens and `gtid_executed` is read, so no
//     transaction on them commits in between. Writes to them wait those milliseconds, never fail.
import { setTimeout as sleep } from 'node:timers/promises';
import type mysql from 'mysql2/promise';
import type { DiffInput } from '../../contract/activities.js';
import { retryableFailure } from '../../contract/failures.js';
import { qualified } from '../../contract/identifiers.js';
import { serverFlavor, type Clusters } from '../clusters.js';
import { positionCovers, positionIsExactly } from '../stream/gtid.js';
import { STREAMS_TABLE } from '../target/state-store.js';
import { holdAcknowledged, releaseHold, requestHold } from '../target/stream-hold.js';

/** A hold expires by itself after this long unless renewed (a verifier lost mid-way). */
const HOLD_SECONDS = 120;
/** How long the stream has to stop, and then to reach the snapshot's position. */
const STOP_TIMEOUT_MS = 30_000;
const REACH_TIMEOUT_MS = 110_000;
const POLL_MS = 20;
/** MySQL: the longest the read lock on the moved tables may wait for a writer. */
const LOCK_WAIT_SECONDS = 5;

export interface AlignedSnapshots {
  /** The live side's snapshot (reads the moved tables as the application left them at `position`). */
  live: mysql.Connection;
  /** The copy's snapshot, holding exactly the source transactions up to `position`. */
  copy: mysql.Connection;
  position: string;
  close(): Promise<void>;
}

/** A connection whose transactions are consistent snapshots (whatever the server's default isolation). */
async function snapshotConnection(clusters: Clusters, cluster: string): Promise<mysql.Connection> {
  const conn = await clusters.connect(cluster);
  await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  return conn;
}

async function startSnapshot(conn: mysql.Connection): Promise<void> {
  await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
}

/** MariaDB: the snapshot's own binlog offset, as a GTID position. */
async function mariadbSnapshot(conn: mysql.Connection): Promise<string> {
  await startSnapshot(conn);
  const [status] = await conn.query<mysql.RowDataPacket[]>("SHOW STATUS LIKE 'binlog_snapshot_%'");
  const value = (name: string) => status.find((row) => String(row.Variable_name).toLowerCase() === name)?.Value;
  const file = value('binlog_snapshot_file');
  const offset = value('binlog_snapshot_position');
  const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT BINLOG_GTID_POS(?, ?) AS position', [
    String(file),
    Number(offset),
  ]);
  return String(rows[0]?.position ?? '');
}

/** MySQL: the snapshot opened and `gtid_executed` read while no transaction can commit on the moved tables. */
async function mysqlSnapshot(clusters: Clusters, conn: mysql.Connection, input: DiffInput): Promise<string> {
  const lock = await clusters.connect(input.live.cluster);
  try {
    await lock.query('SET SESSION lock_wait_timeout = ?', [LOCK_WAIT_SECONDS]);
    await lock.query(
      `LOCK TABLES ${input.tables.map((t) => `${qualified(input.live.database, t.live)} READ`).join(', ')}`,
    );
    await startSnapshot(conn);
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT @@global.gtid_executed AS position');
    await lock.query('UNLOCK TABLES');
    return String(rows[0]?.position ?? '');
  } finally {
    await lock.end().catch(() => undefined);
  }
}

/** Polls `read` until it returns a value, or fails with SnapshotNotAligned saying `what`. */
async function waitFor<T>(
  read: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
  alive: () => void,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    alive();
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw retryableFailure('SnapshotNotAligned', `${what} within ${timeoutMs / 1000} s`);
    await sleep(POLL_MS);
  }
}

/** The copy's snapshot, opened once the stream's position inside it is exactly `position`. */
async function copySnapshotAt(
  copy: mysql.Connection,
  streamId: string,
  position: string,
  alive: () => void,
): Promise<void> {
  await waitFor(
    async () => {
      await startSnapshot(copy);
      const [rows] = await copy.query<mysql.RowDataPacket[]>(
        `SELECT applied_position FROM ${STREAMS_TABLE} WHERE stream_id = ?`,
        [streamId],
      );
      const applied = String(rows[0]?.applied_position ?? '');
      if (positionIsExactly(applied, position)) return true;
      await copy.query('ROLLBACK');
      // Past the position: the stream did not keep the hold (a worker from before holds existed).
      if (positionCovers(applied, position))
        throw retryableFailure(
          'SnapshotNotAligned',
          `the stream applied past the snapshot's position ${position} (at ${applied}): is every worker up to date?`,
        );
      return undefined;
    },
    REACH_TIMEOUT_MS,
    `the stream did not apply up to the snapshot's position ${position}`,
    alive,
  );
}

/** Opens both snapshots at one position (above); the stream is released whatever happens. `alive` heartbeats. */
export async function alignedSnapshots(
  clusters: Clusters,
  input: DiffInput,
  alive: () => void,
): Promise<AlignedSnapshots> {
  const state = clusters.pool(input.copy.cluster);
  const live = await snapshotConnection(clusters, input.live.cluster);
  const copy = await snapshotConnection(clusters, input.copy.cluster).catch(async (err: unknown) => {
    await live.end().catch(() => undefined);
    throw err;
  });
  const close = async () => {
    await Promise.all([live.end().catch(() => undefined), copy.end().catch(() => undefined)]);
  };
  try {
    await requestHold(state, input.streamId, '', HOLD_SECONDS);
    await waitFor(
      () => holdAcknowledged(state, input.streamId, '').then((held) => (held === null ? undefined : held)),
      STOP_TIMEOUT_MS,
      `the stream "${input.streamId}" did not stop for the snapshot (is its worker running?)`,
      alive,
    );
    const position =
      (await serverFlavor(live)) === 'mariadb'
        ? await mariadbSnapshot(live)
        : await mysqlSnapshot(clusters, live, input);
    await requestHold(state, input.streamId, position, HOLD_SECONDS);
    await copySnapshotAt(copy, input.streamId, position, alive);
    return { live, copy, position, close };
  } catch (err) {
    await close();
    throw err;
  } finally {
    await releaseHold(state, input.streamId).catch(() => undefined);
  }
}
