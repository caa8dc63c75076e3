// Determinism: every recorded history replays against the current workflow code. A workflow
// change that would break running workflows fails here (guard such changes with patched()).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { historiesDir, recordedWorkflowIds } from '../support/histories.js';
import { workflowsPath } from '../../worker/workflow-bundle.js';

const workflowIds = recordedWorkflowIds();
const files = readdirSync(historiesDir)
  .filter((f) => f.endsWith('.json') && f in workflowIds)
  .sort();

describe('replay of recorded histories', () => {
  it('has recorded histories to replay', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'move-attempt-not-ready-then-completed.json',
        'cutover-not-ready.json',
        'cutover-happy-path.json',
        'cutover-drain-timeout-compensated.json',
        'move-tables-under-load.json',
      ]),
    );
  });

  it.each(files)(
    'replays %s',
    async (file) => {
      const history = JSON.parse(readFileSync(path.join(historiesDir, file), 'utf8'));
      await Worker.runReplayHistory({ workflowsPath, replayName: file }, history, workflowIds[file]);
    },
    60_000,
  );
});
