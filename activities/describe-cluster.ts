import type mysql from 'mysql2/promise';
import type { ClusterDescription } from '../workflows/types.js';
import { serverFlavor, type Clusters } from './connections.js';

/** The server facts a move depends on: flavor, GTID position and binlog settings. */
export async function readClusterDescription(clusters: Clusters, name: string): Promise<ClusterDescription> {
  const pool = clusters.pool(name);
  const flavor = await serverFlavor(pool);
  const gtidVariable = flavor === 'mariadb' ? '@@global.gtid_binlog_pos' : '@@global.gtid_executed';
  const [rows] = await pool.query<mysql.RowDataPacket[]>(
    `SELECT VERSION() AS version, @@server_id AS serverId, ${gtidVariable} AS gtidPosition,
            @@log_bin AS logBin, @@binlog_format AS binlogFormat, @@binlog_row_image AS binlogRowImage,
            @@binlog_row_metadata AS binlogRowMetadata`,
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
