// The worker process (entry: worker/main.ts). Configuration from
// MOVE_TABLES_CONFIG (JSON file) and the environment (README, "Configuration"). Logs are JSON
// lines on stdout; SIGINT/SIGTERM trigger the SDK's graceful shutdown: polling stops, running
// activities are cancelled (the stream and the copy resume elsewhere from the target's state),
// and the process exits 0 once drained.
import { DefaultLogger, Runtime, type LogEntry, type WorkerInterceptors } from '@temporalio/worker';
import { loadWorkerConfig } from './config.js';
import { createMoveTablesWorker } from './create-worker.js';

function jsonLine(entry: LogEntry): void {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  process.stdout.write(`${JSON.stringify({ time, level: entry.level, msg: entry.message, ...entry.meta })}\n`);
}

/** Runs the worker process until SIGINT/SIGTERM; `interceptors` serve instrumented test workers. */
export async function runWorkerProcess(interceptors?: WorkerInterceptors): Promise<void> {
  const config = loadWorkerConfig();
  Runtime.install({
    logger: new DefaultLogger(config.logLevel, jsonLine),
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'WARN' }, forward: {} },
      ...(config.metricsPort === undefined
        ? {}
        : { metrics: { prometheus: { bindAddress: `0.0.0.0:${config.metricsPort}` } } }),
    },
  });
  const { worker, close } = await createMoveTablesWorker(config, interceptors);
  Runtime.instance().logger.info('worker started', {
    taskQueue: config.taskQueue,
    temporal: config.temporal.address,
    temporalSecurity: config.temporal.security,
    namespace: config.temporal.namespace,
    clusters: [...config.clusters.keys()],
    hooksDir: config.hooksDir ?? null,
    metricsPort: config.metricsPort ?? null,
  });
  try {
    await worker.run();
  } finally {
    await close();
  }
  Runtime.instance().logger.info('worker stopped');
  // The runtime's log forwarding and metrics exporter would keep the process alive.
  await Runtime.instance().shutdown();
}

export function exitOnFailure(err: unknown): never {
  process.stderr.write(
    `${JSON.stringify({ time: new Date().toISOString(), level: 'ERROR', msg: 'worker failed', error: err instanceof Error ? err.message : String(err) })}\n`,
  );
  process.exit(1);
}
