// What a move's copy reported, read from its history: the copyRows activities' results.
import type { WorkflowHandle } from '@temporalio/client';
import type { CopySliceResult } from '../../contract/activities.js';

/** Rows the copy wrote by INSERTs instead of LOAD DATA, over every slice of the move's run. */
export async function rowsCopiedByInsert(handle: WorkflowHandle): Promise<number> {
  const { events } = await handle.fetchHistory();
  return (events ?? [])
    .flatMap((e) => e.activityTaskCompletedEventAttributes?.result?.payloads ?? [])
    .map((p) => JSON.parse(Buffer.from(p.data!).toString()) as Partial<CopySliceResult> | null)
    .reduce((sum, result) => sum + (result?.rowsByInsert ?? 0), 0);
}
