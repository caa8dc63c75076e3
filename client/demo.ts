// The demo on the embedded local stack (`npm run demo`). Today: starts the stack (source and
// target MariaDB, Temporal dev server with UI), runs a worker, and runs the `describeClusters`
// preflight workflow through it. The full move under write load replaces this once it lands.
import { Client, Connection } from '@temporalio/client';
import { localStackDir } from '../stack/paths.js';
import { choosePorts, stackEnv, upStack } from '../stack/stack.js';
import { loadWorkerConfig } from '../worker/config.js';
import { createMoveTablesWorker } from '../worker/create-worker.js';
import { describeClusters } from '../workflows/describe-clusters.js';
import { TASK_QUEUE } from '../workflows/types.js';

const state = await upStack({ dir: localStackDir, detached: true, ports: await choosePorts({ source: 13306, target: 13307, temporal: 7233, temporalUi: 8233 }, true) });
console.log(`stack: source 127.0.0.1:${state.servers.source.port}, target 127.0.0.1:${state.servers.target.port}, Temporal ${state.temporal.address}, UI ${state.temporal.uiUrl}`);

const { worker, close } = await createMoveTablesWorker(loadWorkerConfig({ ...process.env, ...stackEnv(state) }));
const client = new Client({ connection: await Connection.connect({ address: state.temporal.address }) });
try {
  const result = await worker.runUntil(
    client.workflow.execute(describeClusters, { taskQueue: TASK_QUEUE, workflowId: `describe-clusters-${Date.now()}`, args: [['source', 'target']] }),
  );
  for (const c of result) {
    console.log(`${c.cluster}: ${c.version} server_id=${c.serverId} gtid=${c.gtidPosition || '(empty)'} binlog=${c.binlogFormat}/${c.binlogRowImage}/${c.binlogRowMetadata}`);
  }
  console.log('The stack keeps running: `npm run stack -- status`, `npm run stack -- down`.');
} finally {
  await client.connection.close();
  await close();
}
