// Recorded workflow histories for replay tests. `MOVE_TABLES_RECORD_HISTORIES=1 npm test` refreshes
// them from a real run; commit the files so later workflow changes are replayed against them.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { temporal } from '@temporalio/proto';
import { repoRoot } from '../../stack/paths.js';

export const historiesDir = path.join(repoRoot, 'test/histories');

export async function saveHistory(name: string, history: temporal.api.history.v1.IHistory): Promise<void> {
  if (process.env.MOVE_TABLES_RECORD_HISTORIES !== '1') return;
  writeFileSync(path.join(historiesDir, `${name}.json`), `${JSON.stringify(history, null, 1)}\n`);
}
