import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ClusterDescription } from './types.js';

const { describeCluster } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: ['UnknownCluster'] },
});

/**
 * Preflight for operators: can this worker reach the named clusters, and what are their
 * flavor, GTID position and binlog settings? Names only: credentials stay in the worker.
 */
export async function describeClusters(clusters: string[]): Promise<ClusterDescription[]> {
  return Promise.all(clusters.map((name) => describeCluster(name)));
}
