// The shipped worker as a supervisor runs it: `bin/move-tables-worker` is one process (compiled
// JavaScript under node, the prebuilt workflow bundle), so SIGKILL to the pid it was started as
// leaves no worker and no poller behind; and it refuses a bundle of other workflow code.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../../dev/stack/paths.js';
import { cleanupAfterEach } from '../support/cleanups.js';
import { recordFault } from '../support/fault-report.js';
import { stack, temporalClient, testEnv, uniqueName } from '../support/stack.js';
import { eventually } from '../support/waiting.js';

const bin = path.join(repoRoot, 'bin/move-tables-worker');
let client: Client;
const defer = cleanupAfterEach();
beforeAll(async () => {
  client = await temporalClient();
});

function shippedWorker(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(bin, [], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  defer(async () => {
    child.kill('SIGKILL');
    await exited;
  });
  return { child, output: () => output, exited };
}

/** Pids of live processes whose environment holds `marker` (a task queue only this test uses). */
function processesWith(marker: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const state = /State:\s+(\w)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
        return state !== 'Z' && readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(marker);
      } catch {
        return false; // gone, or not ours to read
      }
    })
    .map(Number);
}

async function pollerIdentities(taskQueue: string): Promise<string[]> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: stack().temporal.namespace,
    // TASK_QUEUE_KIND_NORMAL, TASK_QUEUE_TYPE_WORKFLOW
    taskQueue: { name: taskQueue, kind: 1 },
    taskQueueType: 1,
  });
  return (pollers ?? []).map((p) => String(p.identity));
}

describe('the shipped worker process', () => {
  it('is the pid its launcher started: SIGKILL leaves no worker and no poller behind', async () => {
    const taskQueue = uniqueName('shipped');
    const { MOVE_TABLES_WORKFLOW_BUNDLE: _, ...env } = testEnv({ MOVE_TABLES_TASK_QUEUE: taskQueue });
    const worker = shippedWorker(env);
    await eventually(
      'the worker to start',
      async () => (worker.output().includes('worker started') ? true : undefined),
      {
        timeoutMs: 60_000,
      },
    );
    const pid = worker.child.pid!;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(path.basename(cmdline[0]!)).toBe('node');
    expect(cmdline.slice(1)).toEqual(['--max-old-space-size=1024', path.join(repoRoot, 'dist/worker/main.js'), '']);
    expect(processesWith(`MOVE_TABLES_TASK_QUEUE=${taskQueue}`)).toEqual([pid]);
    const identities = await eventually('the worker to poll', async () => {
      const ids = await pollerIdentities(taskQueue);
      return ids.length ? ids : undefined;
    });
    expect(identities.every((id) => id.startsWith(`${pid}@`))).toBe(true);

    worker.child.kill('SIGKILL');
    await worker.exited;
    expect(processesWith(`MOVE_TABLES_TASK_QUEUE=${taskQueue}`)).toEqual([]);
    // Nobody polls the queue any more: a workflow started there is never picked up.
    const handle = await client.workflow.start('moveTables', {
      taskQueue,
      workflowId: uniqueName('orphan'),
      args: [{}],
    });
    defer(() => handle.terminate().then(() => undefined));
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const { events } = await handle.fetchHistory();
    expect(events?.some((e) => e.workflowTaskStartedEventAttributes)).toBe(false);
    recordFault(
      'SIGKILL to the pid bin/move-tables-worker started',
      'that pid is the worker (node dist/worker/main.js); nothing keeps polling',
      `pid ${pid} was node dist/worker/main.js, the only process of its task queue; after SIGKILL none left, a workflow started there not picked up in 5 s`,
    );
  });

  it('refuses a workflow bundle built from other workflow code', async () => {
    // The test run's bundle was built from the TypeScript sources, not from this worker's dist/.
    const worker = shippedWorker(testEnv({ MOVE_TABLES_TASK_QUEUE: uniqueName('mismatch') }));
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toContain(
      `workflow bundle ${inject('workflowBundlePath')} was built from other workflow code than this worker runs; rebuild with npm run build`,
    );
  });
});
