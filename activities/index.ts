import type { CopySliceInput, CutOverCheck, DrainInput, HookRequest, MovedTablesSpec, RenamePlan, StreamInput, StreamLagInput, VerifyInput } from '../workflows/types.js';
import type { Clusters } from './connections.js';
import { readClusterDescription } from './describe-cluster.js';
import { awaitDrain, currentGtidPosition } from './drain.js';
import { failure } from './errors.js';
import { whileHeartbeating } from './heartbeat.js';
import { runHooks } from './hooks.js';
import { inspectRename, renameBack, renameSourceTables } from './rename-tables.js';
import { markCutOverComplete } from './stream-state.js';
import { streamChanges } from './stream-changes.js';
import { validateCutOver } from './validate-cutover.js';
import { copyRows } from './copy-rows.js';
import { prepareMove } from './prepare-move.js';
import { measureStreamLag } from './stream-lag.js';
import { verifyTables } from './verify-tables.js';

export interface ActivityDeps {
  clusters: Clusters;
  /** gh-ost-compatible hook executables; undefined: hooks are skipped. */
  hooksDir?: string;
}

/** All activities, bound to the worker's cluster connections and hooks directory. */
export function createActivities({ clusters, hooksDir }: ActivityDeps) {
  return {
    describeCluster: (name: string) => readClusterDescription(clusters, name),
    prepareMove: (spec: MovedTablesSpec) => prepareMove(clusters, spec),
    copyRows: (input: CopySliceInput) => copyRows(clusters, input),
    measureStreamLag: (input: StreamLagInput) => measureStreamLag(clusters, input),
    verifyTables: (input: VerifyInput) => verifyTables(clusters, input),
    streamChanges: (input: StreamInput) => streamChanges(clusters, input),
    validateCutOver: (check: CutOverCheck) => validateCutOver(clusters, check),
    runHooks: (request: HookRequest) => runHooks(clusters, hooksDir, request),
    renameSourceTables: (plan: RenamePlan) => renameSourceTables(clusters, plan),
    inspectRename: (plan: RenamePlan) => inspectRename(clusters, plan),
    renameBack: (plan: RenamePlan) => renameBack(clusters, plan),
    captureDrainGtid: (source: string) => currentGtidPosition(clusters, source),
    awaitDrain: (input: DrainInput) => awaitDrain(clusters, input),
    setCutOverComplete: async (target: string, streamId: string, drainGtid: string) => {
      if (!(await whileHeartbeating(markCutOverComplete(clusters.pool(target), streamId, drainGtid)))) {
        throw failure('StreamNotRegistered', `no stream "${streamId}" on ${clusters.describe(target)} to mark complete`);
      }
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
