import type { ClusterDescription } from '../contract/clusters.js';
import { describeStep } from './activity-shapes.js';

/**
 * Preflight for operators: can this worker reach the named clusters, and what are their
 * flavor, GTID position and binlog settings? Names only: credentials stay in the worker.
 */
export async function describeClusters(clusters: string[]): Promise<ClusterDescription[]> {
  return Promise.all(clusters.map((name) => describeStep.describeCluster(name)));
}
