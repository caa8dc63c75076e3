// An example of another service's workflow that runs a move as a child, in its own task queue
// (see examples/README.md). It moves one tenant's tables and returns a summary.
import { startMoveChild, type MoveTablesResult } from '../workflows/child-api.js';

export interface RelocateTenantInput {
  tenantDatabase: string;
  tables: string[];
  targetTaskQueue?: string;
}

export interface RelocateTenantResult {
  moveWorkflowId: string;
  rowsCopied: number;
  cutoverWindowMs: number | undefined;
  verified: boolean;
}

export async function relocateTenant(input: RelocateTenantInput): Promise<RelocateTenantResult> {
  const move = await startMoveChild(
    { source: 'source', target: 'target', database: input.tenantDatabase, tables: input.tables },
    input.targetTaskQueue ? { taskQueue: input.targetTaskQueue } : {},
  );
  const result: MoveTablesResult = await move.result();
  return {
    moveWorkflowId: move.workflowId,
    rowsCopied: result.rowsCopied,
    cutoverWindowMs: result.cutOver.cutoverWindowMs,
    verified: result.verify?.ok ?? false,
  };
}
