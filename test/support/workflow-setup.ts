// Global setup of the workflow tests: one Temporal dev server (the stack's `temporal` binary, run
// by @temporalio/testing's TestWorkflowEnvironment) and one workflow bundle for all of them. No
// database: the tests register stub activities.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TestProject } from 'vitest/node';
import { movePhaseSearchAttribute } from '../../contract/definitions.js';
import { ensureTemporal } from '../../dev/stack/prereqs.js';
import { writeWorkflowBundle } from '../../worker/workflow-bundle.js';

declare module 'vitest' {
  export interface ProvidedContext {
    workflowEnv: { address: string; namespace: string; bundlePath: string };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: ensureTemporal() },
      searchAttributes: [movePhaseSearchAttribute],
    },
  });
  try {
    const bundlePath = path.join(
      mkdtempSync(path.join(os.tmpdir(), 'move-tables-workflow-test-')),
      'workflow-bundle.js',
    );
    await writeWorkflowBundle(bundlePath);
    project.provide('workflowEnv', { address: env.address, namespace: env.namespace ?? 'default', bundlePath });
  } catch (err) {
    await env.teardown();
    throw err;
  }
  return () => env.teardown();
}
