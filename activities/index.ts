// The activity registry: each activity name of the contract mapped to its implementation, bound to
// the worker's cluster connections and hooks directory. Implementations live with their role.
import type { Client } from '@temporalio/client';
import type { MoveTablesActivities } from '../contract/activities.js';
import type { Clusters } from './clusters.js';
import { copyRows } from './copy/copy-rows.js';
import { planCopyRanges } from './copy/plan-ranges.js';
import { runHooks } from './hooks/hooks.js';
import { prepareMove } from './preflight/prepare-move.js';
import { checkReadiness } from './preflight/readiness.js';
import { validateCutOver } from './preflight/validate-cutover.js';
import { dropStandbyTables } from './source/drop-standby.js';
import { inspectRename, renameBack, renameSourceTables } from './source/rename.js';
import { captureDrainGtid, describeCluster } from './source/server.js';
import { observeStream, watchStream } from './stream/stream-health.js';
import { addDeferredKeys } from './target/deferred-keys.js';
import { discardTarget } from './target/discard-target.js';
import { measureStreamLag } from './stream/stream-lag.js';
import { streamChanges } from './stream/stream-changes.js';
import { awaitDrain } from './target/drain.js';
import { readCutOverFlag, restartStream, setCutOverComplete } from './target/stream-state.js';
import { diffTables } from './verify/diff-tables.js';
import { verifyTables } from './verify/verify-tables.js';

export interface ActivityDeps {
  clusters: Clusters;
  /** For activities that read workflow state. */
  temporal: Client;
  /** gh-ost-compatible hook executables; undefined: hooks are skipped. */
  hooksDir?: string;
  /** Worker environment variables hooks inherit beyond the basic set. */
  hooksEnv?: readonly string[];
}

export function createActivities({ clusters, temporal, hooksDir, hooksEnv = [] }: ActivityDeps): MoveTablesActivities {
  return {
    describeCluster: (name) => describeCluster(clusters, name),
    validateCutOver: (tables) => validateCutOver(clusters, tables),
    prepareMove: (tables) => prepareMove(clusters, tables),
    planCopyRanges: (input) => planCopyRanges(clusters, input),
    copyRows: (input) => copyRows(clusters, input),
    streamChanges: (input) => streamChanges(clusters, input),
    measureStreamLag: (input) => measureStreamLag(clusters, input),
    observeStream: (streamWorkflowId) => observeStream(temporal, streamWorkflowId),
    watchStream: (input) => watchStream(temporal, input),
    discardTarget: (input) => discardTarget(clusters, input),
    addDeferredKeys: (input) => addDeferredKeys(clusters, input),
    verifyTables: (input) => verifyTables(clusters, input),
    diffTables: (input) => diffTables(clusters, input),
    checkReadiness: (input) => checkReadiness(clusters, temporal, input),
    runHooks: (request) => runHooks(clusters, hooksDir, request, hooksEnv),
    renameSourceTables: (plan) => renameSourceTables(clusters, plan),
    inspectRename: (plan) => inspectRename(clusters, plan),
    renameBack: (plan) => renameBack(clusters, plan),
    captureDrainGtid: (source, renamedOn) => captureDrainGtid(clusters, source, renamedOn),
    awaitDrain: (input) => awaitDrain(clusters, input),
    setCutOverComplete: (target, streamId, drainGtid) => setCutOverComplete(clusters, target, streamId, drainGtid),
    readCutOverFlag: (target, streamId) => readCutOverFlag(clusters, target, streamId),
    restartStream: (cluster, streamId, startPosition) => restartStream(clusters, cluster, streamId, startPosition),
    dropStandbyTables: (input) => dropStandbyTables(clusters, input),
  };
}
