// Starts an isolated stack for one test run (free ports, a temporary dir, headless Temporal)
// and a prebuilt workflow bundle; tears everything down even when tests fail. Its servers require
// TLS and a client certificate, and every test reaches them with VERIFY_IDENTITY, as production does.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { choosePorts, downStack, upStack, type StackState } from '../../dev/stack/stack.js';
import { writeWorkflowBundle } from '../../worker/workflow-bundle.js';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackState;
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'move-tables-test-'));
  const teardown = async () => {
    await downStack(dir, { removeData: !process.env.MOVE_TABLES_KEEP_TEST_STACK });
  };
  try {
    const stack = await upStack({ dir, detached: false, ports: await choosePorts(undefined, true), tls: true });
    const workflowBundlePath = path.join(dir, 'workflow-bundle.js');
    await writeWorkflowBundle(workflowBundlePath);
    project.provide('stack', stack);
    project.provide('workflowBundlePath', workflowBundlePath);
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}
