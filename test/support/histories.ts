// Recorded workflow histories for replay tests. `MOVE_TABLES_RECORD_HISTORIES=1 npm test` refreshes
// them from a real run, in the JSON form `temporal workflow show -o json` prints; commit the files
// so later workflow changes are replayed against them. Workflow ids are kept in an index because
// child workflow ids derive from them and replay must reproduce those.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { temporal } from '@temporalio/proto';
import { repoRoot } from '../../dev/stack/paths.js';

export const historiesDir = path.join(repoRoot, 'test/histories');
const indexFile = path.join(historiesDir, 'workflow-ids.json');

export function recordedWorkflowIds(): Record<string, string> {
  return existsSync(indexFile) ? (JSON.parse(readFileSync(indexFile, 'utf8')) as Record<string, string>) : {};
}

export async function saveHistory(
  name: string,
  handle: { workflowId: string; fetchHistory(): Promise<temporal.api.history.v1.IHistory> },
): Promise<void> {
  if (process.env.MOVE_TABLES_RECORD_HISTORIES !== '1') return;
  writeFileSync(path.join(historiesDir, `${name}.json`), `${historyToJSON(await handle.fetchHistory())}\n`);
  const index = { ...recordedWorkflowIds(), [`${name}.json`]: handle.workflowId };
  writeFileSync(indexFile, `${JSON.stringify(index, Object.keys(index).sort(), 2)}\n`);
}
