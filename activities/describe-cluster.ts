import type mysql from 'mysql2/promise';
import type { ClusterDescription } from '../workflows/types.js';
import { serverFlavor, type Clusters } from './connections.js';

/** The server facts a move depends on: flavor, GTID position and binlog settings. */
export async function readClusterDescription(clusters: Clusters, name: string): Promise<ClusterDescription> {
  const pool = clusters.pool(name);
  const flavor = await serverFlavor(pool);
  const gtidVariable = flavor === 'mariadb' ? '@@global.gtid_binlog_pos' : '@@global.gtid_executed';
  const [rows] = await pool.query<mysql.RowDataPacket[]>(
    // Global values: a pooled session keeps the settings it started with.
    `SELECT VERSION() AS version, @@global.server_id AS serverId, ${gtidVariable} AS gtidPosition,
            @@global.log_bin AS logBin, @@global.binlog_format AS binlogFormat, @@global.binlog_row_image AS binlogRowImage,
            @@global.binlog_row_metadata AS binlogRowMetadata`,
  );
  const row = rows[0]!;
  return {
    cluster: name,
    flavor,
    version: String(row.version),
    serverId: Number(row.serverId),
    gtidPosition: String(row.gtidPosition ?? '').replace(/\s/g, ''),
    logBin: Number(row.logBin) === 1,
    binlogFormat: String(row.binlogFormat),
    binlogRowImage: String(row.binlogRowImage),
    binlogRowMetadata: String(row.binlogRowMetadata),
  };
}
