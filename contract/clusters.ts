// Clusters as workflows know them: by name only. The worker resolves a name to its connection
// settings; nothing here carries a host or a password.

/** Cluster names in workflow input and in the worker's configuration. */
export const CLUSTER_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;

export type Flavor = 'mariadb' | 'mysql';

/** What `describeClusters` reports of a cluster: the server facts a move depends on. */
export interface ClusterDescription {
  cluster: string;
  flavor: Flavor;
  version: string;
  serverId: number;
  /** `@@gtid_binlog_pos` (MariaDB) or `@@gtid_executed` (MySQL). */
  gtidPosition: string;
  logBin: boolean;
  binlogFormat: string;
  binlogRowImage: string;
  binlogRowMetadata: string;
}
