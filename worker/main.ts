// Worker process: `npm run worker`. Configuration comes from the environment (README,
// "Configuration"). SIGINT/SIGTERM trigger the SDK's graceful shutdown: running activities
// get their cancellation and the process exits once the worker has drained.
import { loadWorkerConfig } from './config.js';
import { createMoveTablesWorker } from './create-worker.js';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const { worker, close } = await createMoveTablesWorker(config);
  console.log(JSON.stringify({ msg: 'worker started', taskQueue: config.taskQueue, temporal: config.temporalAddress, clusters: [...config.clusters.keys()] }));
  try {
    await worker.run();
  } finally {
    await close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
