import type { Clusters } from './connections.js';
import { readClusterDescription } from './describe-cluster.js';

export interface ActivityDeps {
  clusters: Clusters;
}

/** All activities, bound to the worker's cluster connections. */
export function createActivities({ clusters }: ActivityDeps) {
  return {
    describeCluster: (name: string) => readClusterDescription(clusters, name),
  };
}

export type Activities = ReturnType<typeof createActivities>;
