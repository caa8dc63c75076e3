// The source server's facts a move depends on: flavor, GTID position, binlog settings.
import type mysql from 'mysql2/promise';
import type { ClusterDescription, Flavor } from '../../contract/clusters.js';
import { failure } from '../../contract/failures.js';
import { serverFlavor, type Clusters, type Queryable } from '../clusters.js';
import { normalizePosition } from '../stream/gtid.js';
import { MariadbGtidState } from '../stream/mariadb-gtid-state.js';

function gtidPositionVariable(flavor: Flavor): string {
  return flavor === 'mariadb' ? '@@global.gtid_binlog_pos' : '@@global.gtid_executed';
}

/** Activity `describeCluster`. */
export async function describeCluster(clusters: Clusters, name: string): Promise<ClusterDescription> {
  const pool = clusters.pool(name);
  const flavor = await serverFlavor(pool);
  const [rows] = await pool.query<mysql.RowDataPacket[]>(
    // Global values: a pooled session keeps the settings it started with.
    `SELECT VERSION() AS version, @@global.server_id AS serverId, ${gtidPositionVariable(flavor)} AS gtidPosition,
            @@global.log_bin AS logBin, @@global.binlog_format AS binlogFormat, @@global.binlog_row_image AS binlogRowImage,
            @@global.binlog_row_metadata AS binlogRowMetadata`,
  );
  const row = rows[0]!;
  return {
    cluster: name,
    flavor,
    version: String(row.version),
    serverId: Number(row.serverId),
    gtidPosition: normalizePosition(String(row.gtidPosition ?? '')),
    logBin: Number(row.logBin) === 1,
    binlogFormat: String(row.binlogFormat),
    binlogRowImage: String(row.binlogRowImage),
    binlogRowMetadata: String(row.binlogRowMetadata),
  };
}

/** `@@hostname`, `@@port` and `@@server_id` in a select list; `identityOf` reads them back. */
const IDENTITY = '@@hostname AS host, @@port AS port, @@server_id AS id';
const identityOf = (row: mysql.RowDataPacket) => `${String(row.host)}:${String(row.port)}#${String(row.id)}`;

/**
 * The server's GTID position now (every transaction it has binlogged; MariaDB: its full state,
 * each server id of each domain, the last GTID per domain last) and which server said so, both
 * read by one statement, so a proxy cannot send them to two servers.
 */
async function positionAndServer(conn: Queryable): Promise<{ position: string; server: string }> {
  if ((await serverFlavor(conn)) === 'mysql') {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT @@global.gtid_executed AS position, ${IDENTITY}`);
    return { position: normalizePosition(String(rows[0]!.position ?? '')), server: identityOf(rows[0]!) };
  }
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    `SELECT @@global.gtid_binlog_pos AS pos, @@global.gtid_binlog_state AS state, ${IDENTITY}`,
  );
  const pos = normalizePosition(String(rows[0]!.pos ?? ''));
  const state = normalizePosition(String(rows[0]!.state ?? ''));
  return { position: MariadbGtidState.fromServer(pos, state).toString(), server: identityOf(rows[0]!) };
}

/** The server's GTID position now (see `positionAndServer`). */
export async function currentGtidPosition(conn: Queryable): Promise<string> {
  return (await positionAndServer(conn)).position;
}

/**
 * Activity `captureDrainGtid` (T2). Read strictly after T1 returned, the position includes every
 * write that reached the tables before the RENAME, and the RENAME itself, when it is read on the
 * server that renamed (`renamedOn`, T1's own report): behind a proxy that sends reads to a replica,
 * a lagging replica's position would let T3 pass before the last writes were applied.
 */
export async function captureDrainGtid(clusters: Clusters, source: string, renamedOn?: string): Promise<string> {
  const { position, server } = await positionAndServer(clusters.pool(source));
  if (renamedOn !== undefined && server !== renamedOn)
    throw failure(
      'ServerMismatch',
      `the drain position was read on ${server}, but the RENAME ran on ${renamedOn} (${clusters.describe(source)} reaches more than one server: a read/write-splitting proxy?). The worker must reach the source's primary directly`,
      { renamedOn, readOn: server },
    );
  return position;
}

/** The source can be streamed: binary log on, ROW format, FULL row images, GTIDs (MySQL). */
export async function checkSourceBinlog(clusters: Clusters, source: string): Promise<void> {
  const description = await describeCluster(clusters, source);
  const where = clusters.describe(source);
  if (!description.logBin) throw failure('BinlogMisconfigured', `binary log is off on ${where}: enable log_bin`);
  if (description.binlogFormat !== 'ROW') {
    throw failure('BinlogMisconfigured', `binlog_format is ${description.binlogFormat} on ${where}: it must be ROW`);
  }
  if (description.binlogRowImage !== 'FULL') {
    throw failure(
      'BinlogMisconfigured',
      `binlog_row_image is ${description.binlogRowImage} on ${where}: it must be FULL`,
    );
  }
  if (description.binlogRowMetadata !== 'FULL') {
    throw failure(
      'BinlogMisconfigured',
      `binlog_row_metadata is ${description.binlogRowMetadata} on ${where}: it must be FULL (SET GLOBAL binlog_row_metadata = FULL; dynamic, no restart). Row images are decoded with the column names and types the binlog carries, not with the table's current definition, which the cutover's RENAME changes`,
    );
  }
  if (description.flavor === 'mysql') {
    const [rows] = await clusters.pool(source).query<mysql.RowDataPacket[]>('SELECT @@global.gtid_mode AS mode');
    if (String(rows[0]?.mode) !== 'ON') {
      throw failure('BinlogMisconfigured', `gtid_mode is ${String(rows[0]?.mode)} on ${where}: it must be ON`);
    }
  }
  const unreadable = unreadableBinlogSetting(await binlogEncodingVariables(clusters.pool(source)));
  if (unreadable) throw failure('BinlogMisconfigured', `${unreadable.setting} on ${where}: ${unreadable.why}`);
}

/**
 * Settings that make the binlog carry row changes in events the stream cannot read (MariaDB's
 * log_bin_compress is not one: zongji reads its compressed events).
 */
const UNREADABLE_ENCODINGS: Array<{ variable: string; bad: (value: string) => boolean; why: string }> = [
  {
    // MySQL 8.0.20+: transactions as one compressed payload event.
    variable: 'binlog_transaction_compression',
    bad: (v) => v === 'ON' || v === '1',
    why: 'the stream cannot read compressed transaction payloads (SET GLOBAL binlog_transaction_compression = OFF; sessions may set it too)',
  },
  {
    // MySQL 8.0.3+: JSON updates as partial diffs instead of whole documents.
    variable: 'binlog_row_value_options',
    bad: (v) => /PARTIAL_JSON/i.test(v),
    why: "the stream needs whole JSON values, not partial updates (SET GLOBAL binlog_row_value_options = '')",
  },
];

async function binlogEncodingVariables(pool: Queryable): Promise<Map<string, string>> {
  const [rows] = await pool.query<mysql.RowDataPacket[]>(
    `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${UNREADABLE_ENCODINGS.map(() => '?').join(', ')})`,
    UNREADABLE_ENCODINGS.map((e) => e.variable),
  );
  return new Map(rows.map((r) => [String(r.Variable_name), String(r.Value)]));
}

/** The first setting (of those the server has) that the stream cannot read, with why and the fix. */
export function unreadableBinlogSetting(variables: Map<string, string>): { setting: string; why: string } | undefined {
  for (const { variable, bad, why } of UNREADABLE_ENCODINGS) {
    const value = variables.get(variable);
    if (value !== undefined && bad(value)) return { setting: `${variable} is ${value}`, why };
  }
  return undefined;
}

/** `host:port#server_id` as the server itself reports it: two names for one server compare equal. */
export async function serverIdentity(conn: Queryable): Promise<string> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT ${IDENTITY}`);
  return identityOf(rows[0]!);
}
