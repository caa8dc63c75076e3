// Types shared by workflows, activities and clients. Pure data: no I/O, no driver imports.

/** The task queue the move-tables worker polls. */
export const TASK_QUEUE = 'move-tables';

export interface ClusterDescription {
  cluster: string;
  flavor: 'mariadb' | 'mysql';
  version: string;
  serverId: number;
  /** `@@gtid_binlog_pos` (MariaDB) or `@@gtid_executed` (MySQL). */
  gtidPosition: string;
  logBin: boolean;
  binlogFormat: string;
  binlogRowImage: string;
  binlogRowMetadata: string;
}
