// What a move's copy reported, read from its history: the copyRows activities' results.
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { CopySliceResult } from '../../contract/activities.js';

/** Rows the copy wrote by INSERTs instead of LOAD DATA, over every slice of the move's run. */
export async function rowsCopiedByInsert(handle: WorkflowHandle): Promise<number> {
  const { events } = await handle.fetchHistory();
  return (events ?? [])
    .flatMap((e) => e.activityTaskCompletedEventAttributes?.result?.payloads ?? [])
    .map((p) => defaultPayloadConverter.fromPayload<Partial<CopySliceResult> | undefined>(p))
    .reduce((sum, result) => sum + (result?.rowsByInsert ?? 0), 0);
}
