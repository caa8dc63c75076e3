// Setup file of every test project: the Temporal SDK's logs (workers, bundling, replay) go through
// console.log, which vitest shows for failing tests only (`silent: 'passed-only'`); the SDK's
// default logger writes to the terminal directly, burying a failure under passing tests' logs.
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';

function toConsole(entry: LogEntry): void {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  console.log(`${time} [${entry.level}] ${entry.message}`, entry.meta ?? '');
}

// One runtime per process: a file run in a process that installed it already keeps that one.
if (!(globalThis as { moveTablesRuntime?: boolean }).moveTablesRuntime) {
  (globalThis as { moveTablesRuntime?: boolean }).moveTablesRuntime = true;
  Runtime.install({ logger: new DefaultLogger('INFO', toConsole) });
}
