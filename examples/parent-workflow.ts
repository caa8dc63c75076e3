// An example of another service's workflow that runs a move as a child, in its own task queue
// (see examples/README.md). It moves one tenant's tables and returns a summary. Reversible: it
// learns of the cutover from the move's `moveCutOver` signal (the tenant is served from the target
// from then on), keeps the source current for a while, then completes the move.
import { condition, setHandler, sleep } from '@temporalio/workflow';
import {
  completeMoveSignal,
  moveCutOverSignal,
  startMoveChild,
  type MoveCutOverNotice,
  type MoveTablesResult,
} from '../workflows/child-api.js';

export interface RelocateTenantInput {
  tenantDatabase: string;
  tables: string[];
  targetTaskQueue?: string;
  /** Keep the source current this long after the cutover, then complete the move. */
  keepSourceSeconds?: number;
}

export interface RelocateTenantResult {
  moveWorkflowId: string;
  rowsCopied: number;
  cutoverWindowMs: number | undefined;
  verified: boolean;
  /** A reversible move: what its cutover told this workflow, long before its result. */
  cutOver?: MoveCutOverNotice;
}

export async function relocateTenant(input: RelocateTenantInput): Promise<RelocateTenantResult> {
  const reversible = input.keepSourceSeconds !== undefined;
  let cutOver: MoveCutOverNotice | undefined;
  setHandler(moveCutOverSignal, (notice) => {
    cutOver = notice;
  });
  const move = await startMoveChild(
    {
      source: 'source',
      target: 'target',
      database: input.tenantDatabase,
      tables: input.tables,
      // Without a time to keep the source, the move ends at its cutover (moves are reversible by default).
      reversible,
    },
    input.targetTaskQueue ? { taskQueue: input.targetTaskQueue } : {},
  );
  if (reversible) {
    // Here the tenant's traffic is on the target: a service would record that now.
    await condition(() => cutOver !== undefined);
    await sleep(input.keepSourceSeconds! * 1_000);
    await move.signal(completeMoveSignal);
  }
  const result: MoveTablesResult = await move.result();
  return {
    moveWorkflowId: move.workflowId,
    rowsCopied: result.rowsCopied,
    cutoverWindowMs: result.cutOver.cutoverWindowMs,
    verified: result.verify?.ok ?? false,
    ...(cutOver ? { cutOver } : {}),
  };
}
