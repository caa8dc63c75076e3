import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerInterceptors } from '@temporalio/worker';
import { Clusters } from '../activities/clusters.js';
import { createActivities } from '../activities/index.js';
import { withoutRowValues } from '../activities/row-values.js';
import { temporalConnectError } from '../client/temporal-config.js';
import type { WorkerConfig } from './config.js';
import { checkSearchAttributes } from './search-attributes.js';
import { workflowBundleFor, workflowsPath } from './workflow-bundle.js';

export interface MoveTablesWorker {
  worker: Worker;
  /** Closes the cluster pools and the Temporal connections; call after `worker.run()` returns. */
  close(): Promise<void>;
}

/** A worker for the move-tables task queue: all workflows, all activities. */
export async function createMoveTablesWorker(
  config: WorkerConfig,
  interceptors?: WorkerInterceptors,
): Promise<MoveTablesWorker> {
  // Checked first: a bundle of other workflow code is refused before anything connects.
  const bundlePath = workflowBundleFor(config.workflowBundlePath);
  const { temporal: settings } = config;
  const connection = await NativeConnection.connect(settings.connection).catch(async (err: unknown) => {
    throw await temporalConnectError(settings, err);
  });
  try {
    await checkSearchAttributes(connection.operatorService, settings.namespace);
  } catch (err) {
    await connection.close();
    throw err;
  }
  const clusters = new Clusters(config.clusters);
  // Activities that read workflow state (the stream's health) use their own client connection.
  const clientConnection = await Connection.connect(settings.connection);
  const temporal = new Client({ connection: clientConnection, namespace: settings.namespace });
  const worker = await Worker.create({
    connection,
    namespace: settings.namespace,
    taskQueue: config.taskQueue,
    // Built by `npm run build`; bundling at start (webpack) only when running from source.
    ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : { workflowsPath }),
    // Heartbeats carry cancellation: a cancelled stream or drain should stop within a second or
    // two, not after 80% of its heartbeat timeout (the SDK default).
    maxHeartbeatThrottleInterval: '1 second',
    interceptors: {
      ...interceptors,
      activity: [
        // Outermost: whatever an activity throws is logged and recorded without row values.
        () => ({
          inbound: {
            execute: (input, next) =>
              next(input).catch((err: unknown) => {
                throw withoutRowValues(err);
              }),
          },
        }),
        ...(interceptors?.activity ?? []),
      ],
    },
    activities: createActivities({
      clusters,
      temporal,
      hooksEnv: config.hooksEnv,
      ...(config.hooksDir ? { hooksDir: config.hooksDir } : {}),
    }),
  });
  return {
    worker,
    async close() {
      await clusters.close();
      await clientConnection.close();
      await connection.close();
    },
  };
}
