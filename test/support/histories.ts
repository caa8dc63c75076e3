// Recorded workflow histories for replay tests. `MOVE_TABLES_RECORD_HISTORIES=1 npm test` refreshes
// them from a real run, in the JSON form `temporal workflow show -o json` prints; commit the files so later workflow changes are replayed against them.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { temporal } from '@temporalio/proto';
import { repoRoot } from '../../stack/paths.js';

export const historiesDir = path.join(repoRoot, 'test/histories');

export async function saveHistory(name: string, history: temporal.api.history.v1.IHistory): Promise<void> {
  if (process.env.MOVE_TABLES_RECORD_HISTORIES !== '1') return;
  writeFileSync(path.join(historiesDir, `${name}.json`), `${historyToJSON(history)}\n`);
}
