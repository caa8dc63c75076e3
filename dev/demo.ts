// The main job (`npm run demo [-- --wait] [-- --rows N]`): on the embedded local stack, moves a live
// table of >= 100k rows from the source to the target MariaDB while an application-like load
// inserts, updates, re-keys and deletes rows on the source the whole time. Prints progress, then
// the copy rate, cutover window, drain GTID and the checksum verdict; then, the application writing
// on the target, shows the source's renamed table kept current (a reversible move) and completes
// the move. With --wait the cutover stays postponed, and the move open, until you send the signals
// the demo prints.
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import type { RowDataPacket } from 'mysql2/promise';
import { Clusters } from '../activities/clusters.js';
import { localStackDir } from './stack/paths.js';
import { ensureTemporal } from './stack/prereqs.js';
import { choosePorts, LOCAL_STACK_PORTS, stackEnv, upStack } from './stack/stack.js';
import { loadClusterConfig } from '../worker/cluster-config.js';
import { loadWorkerConfig } from '../worker/config.js';
import { createMoveTablesWorker } from '../worker/create-worker.js';
import { completeMoveSignal, moveStatusQuery, releaseCutOverSignal } from '../contract/definitions.js';
import { moveWorkflowId } from '../contract/tables.js';
import { formatStatus } from '../client/format-status.js';
import { startMove } from '../client/moves.js';
import { startWriteLoad } from './write-load.js';

const DATABASE = 'move_tables_demo';
const TABLE = 'orders';
const { values: args } = parseArgs({
  options: { wait: { type: 'boolean', default: false }, rows: { type: 'string', default: '150000' } },
});
const rows = Number(args.rows);
if (!Number.isInteger(rows) || rows < 1) throw new Error('--rows must be a positive integer');

const state = await upStack({ dir: localStackDir, detached: true, ports: await choosePorts(LOCAL_STACK_PORTS, true) });
console.log(
  `stack: source 127.0.0.1:${state.servers.source.port}, target 127.0.0.1:${state.servers.target.port}, Temporal ${state.temporal.address}, UI ${state.temporal.uiUrl}`,
);
const env = { ...process.env, ...stackEnv(state) };
const clusters = new Clusters(loadClusterConfig(env));

const client = new Client({ connection: await Connection.connect({ address: state.temporal.address }) });
// An interrupted earlier demo run leaves its move (and its children) running: they are the demo's
// own, so end them before a worker could pick them up again.
await client.workflow
  .getHandle(moveWorkflowId({ source: 'source', target: 'target', database: DATABASE, tables: [TABLE] }))
  .terminate('superseded by a new demo run')
  .catch(() => undefined);
// A fresh sample table on the source; the demo's own database only.
const source = await clusters.connect('source');
const target = await clusters.connect('target');
for (const conn of [source, target]) await conn.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
await source.query(`CREATE DATABASE ${DATABASE}`);
await source.query(
  `CREATE TABLE ${DATABASE}.${TABLE} (id BIGINT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64), n INT) CHARACTER SET utf8mb4`,
);
await source.query(
  `INSERT INTO ${DATABASE}.${TABLE} (id, v, n) SELECT seq, CONCAT('order-', seq), seq FROM ${DATABASE}.seq_1_to_${rows}`,
);
// Fresh statistics: a parallel copy plans its key ranges from the table's estimated row count.
await source.query(`ANALYZE TABLE ${DATABASE}.${TABLE}`);
console.log(`source table ${DATABASE}.${TABLE}: ${rows} rows`);

const { worker, close } = await createMoveTablesWorker(loadWorkerConfig(env));
const running = worker.run();
const load = startWriteLoad({
  connection: clusters.connectionOptions('source'),
  database: DATABASE,
  table: TABLE,
  ratePerSecond: 300,
  primaryKeyChanges: 0.05,
});
console.log('write load: 300 statements/s (inserts, updates, key changes, deletes) until the cutover turns it away');

let targetLoad: ReturnType<typeof startWriteLoad> | undefined;
/**
 * The application now writes on the target: a few seconds of its writes, then the source's renamed
 * table is compared with the target's (the reverse stream keeps it current); then completes the move
 * (with --wait: prints the commands and leaves it to you).
 */
async function onTheTarget(workflowId: string, complete: () => Promise<void>): Promise<void> {
  targetLoad = startWriteLoad({
    connection: clusters.connectionOptions('target'),
    database: DATABASE,
    table: TABLE,
    ratePerSecond: 300,
    primaryKeyChanges: 0.05,
  });
  console.log('cut over: the application writes on the target now (300 statements/s for 5 s)');
  await new Promise((r) => setTimeout(r, 5_000));
  const written = await targetLoad.stop();
  const sum = async (conn: typeof source, table: string) => {
    const [rows] = await conn.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n, COALESCE(SUM(CRC32(CONCAT_WS('#', id, v, n))), 0) AS crc FROM ${DATABASE}.${table}`,
    );
    return `${rows[0]!.n} rows, crc ${rows[0]!.crc}`;
  };
  let kept = '';
  for (let i = 0; i < 30; i++) {
    const [onTargetSide, onSourceSide] = await Promise.all([sum(target, TABLE), sum(source, `_${TABLE}_del`)]);
    kept =
      onTargetSide === onSourceSide ? `equal (${onTargetSide})` : `not yet equal: ${onSourceSide} vs ${onTargetSide}`;
    if (onTargetSide === onSourceSide) break;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  console.log(
    `  ${written.inserts + written.updates + written.keyChanges + written.deletes} writes on the target; the source's renamed _${TABLE}_del against the target's ${TABLE}: ${kept}`,
  );
  const temporal = ensureTemporal();
  const signal = (name: string) =>
    `${temporal} workflow signal --address ${state.temporal.address} --workflow-id '${workflowId}' --name ${name}`;
  if (args.wait) {
    console.log(
      `the move stays open (reversible): switch back with\n  ${signal('revertCutOver')}\nend it with\n  ${signal('completeMove')}`,
    );
  } else {
    console.log(`completing the move (what --wait would leave to you: ${signal('completeMove')})`);
    await complete();
  }
}

try {
  const handle = await startMove(client, {
    source: 'source',
    target: 'target',
    database: DATABASE,
    tables: [TABLE],
    postpone: true,
    // Two key ranges copied at once (each its own activities and resume point).
    copyConcurrency: 2,
  });
  console.log(
    `move started: workflow ${handle.workflowId} (watch it in the UI: ${state.temporal.uiUrl}/namespaces/default/workflows)`,
  );
  const result = handle.result();
  let done = false;
  void result
    .finally(() => {
      done = true;
    })
    .catch(() => undefined);
  let released = false;
  let onTarget = false;
  let last = '';
  while (!done) {
    const status = await handle.query(moveStatusQuery).catch(() => undefined);
    if (status) {
      const line = formatStatus(status);
      if (line !== last) console.log(`  ${line}`);
      last = line;
      if (status.cutOver?.postponed && !released) {
        released = true;
        const temporal = ensureTemporal();
        const command = `${temporal} workflow signal --address ${state.temporal.address} --workflow-id '${handle.workflowId}' --name releaseCutOver`;
        if (args.wait) {
          console.log(`cutover postponed, waiting for you. Release it with:\n  ${command}`);
        } else {
          console.log(`cutover postponed; releasing it (what --wait would ask you to run: ${command})`);
          await handle.signal(releaseCutOverSignal);
        }
      }
      if (status.phase === 'on-target' && !onTarget) {
        onTarget = true;
        await load.stop();
        await onTheTarget(handle.workflowId, () => handle.signal(completeMoveSignal));
      }
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
  const outcome = await result;
  const stats = await load.stop();
  const verify = outcome.verify!;
  const after = outcome.afterCutOver;
  console.log('\nmove complete');
  console.log(
    `  copy:            ${outcome.rowsCopied} rows in ${outcome.copySeconds.toFixed(1)} s = ${outcome.copyRowsPerSecond} rows/s`,
  );
  console.log(`  cutover window:  ${outcome.cutOver.cutoverWindowMs} ms (T1 RENAME start -> T4 flag set)`);
  console.log(`  drain GTID:      ${outcome.cutOver.drainGtid}`);
  console.log(`  renamed:         ${outcome.cutOver.renamedTables.map((r) => `${r.from} -> ${r.to}`).join(', ')}`);
  console.log(
    `  write load:      ${stats.inserts} inserts, ${stats.updates} updates, ${stats.keyChanges} key changes, ${stats.deletes} deletes at ${stats.acceptedPerSecond.toFixed(0)}/s; ${stats.rejected} turned away by the RENAME`,
  );
  console.log(
    `  checksum:        ${verify.ok ? 'MATCH' : 'MISMATCH'}: ${verify.tables.map((t) => `${t.table} ${t.targetRows} rows in ${t.chunks} chunks, ${t.mismatchedChunks} differing`).join('; ')} (${verify.durationMs} ms${verify.beforeCutOver ? `, before the cutover at source position ${verify.beforeCutOver.position} in ${verify.beforeCutOver.snapshots} snapshot pair(s), under the write load` : ''})`,
  );
  if (after)
    console.log(
      `  after cutover:   live on the ${after.liveSide}, ${after.switches.length} switch(es), completed (${after.completedBecause}); the ${after.standby?.side ?? 'other side'}'s renamed table kept`,
    );
  console.log('\nThe stack keeps running: `npm run stack -- status`, `npm run stack -- down`.');
  process.exitCode = verify.ok ? 0 : 1;
} finally {
  await load.stop();
  await targetLoad?.stop();
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await running.catch(() => undefined);
  await close();
  await clusters.close();
  await source.end();
  await target.end();
  await client.connection.close();
}
