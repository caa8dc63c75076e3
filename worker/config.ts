import { TASK_QUEUE } from '../workflows/types.js';
import { loadClusterConfig, type ClusterConfig } from './cluster-config.js';

export interface WorkerConfig {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  clusters: ClusterConfig;
  /** Directory holding gh-ost-compatible hook executables; undefined: no hooks. */
  hooksDir?: string;
  /** Prebuilt workflow bundle (tests build it once); undefined: bundle at start. */
  workflowBundlePath?: string;
}

/** Worker settings from the environment (see README, "Configuration"). */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return {
    temporalAddress: env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: env.MOVE_TABLES_TASK_QUEUE ?? TASK_QUEUE,
    clusters: loadClusterConfig(env),
    ...(env.MOVE_TABLES_HOOKS_DIR ? { hooksDir: env.MOVE_TABLES_HOOKS_DIR } : {}),
    ...(env.MOVE_TABLES_WORKFLOW_BUNDLE ? { workflowBundlePath: env.MOVE_TABLES_WORKFLOW_BUNDLE } : {}),
  };
}
