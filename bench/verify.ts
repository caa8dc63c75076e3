// The verification at one source position: `npm run bench:verify [rows,...=1000000,5000000]
// [--table=narrow|wide]` (default wide). On one private stack, per size: a one-way move of `bench.t`
// with the default verification (`before-cutover`), its phases followed from the status; the copy's
// and the comparison's rates, and the CPU seconds the worker and each server used in each phase per
// million rows (the comparison's cost to the servers, beside the copy's). The write load under a
// comparison is the integration suite's (verify-before-cutover.test.ts). Figures only: nothing is
// asserted.
import type { RowDataPacket } from 'mysql2';
import { moveStatusQuery } from '../contract/definitions.js';
import type { MovePhase } from '../contract/move.js';
import { startMove } from '../client/moves.js';
import { BENCH_QUEUE, serversCpuSeconds, settle, startBenchStack } from '../dev/bench-stack.js';
import { createBenchTable, type BenchTableKind } from '../dev/bench-tables.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const sizes = (args[0] ?? '1000000,5000000').split(',').map(Number);
const kind = (process.argv.find((a) => a.startsWith('--table='))?.slice('--table='.length) ?? 'wide') as BenchTableKind;
if (!['narrow', 'wide'].includes(kind)) throw new Error('--table= must be narrow or wide');

const bench = await startBenchStack();
const { clusters, client } = bench;
const source = clusters.pool('source');
const target = clusters.pool('target');
const cpu = () => ({ worker: bench.worker.cpuSeconds(), ...serversCpuSeconds(bench) });
type Cpu = ReturnType<typeof cpu>;

/** CPU per process between two readings, per million rows. */
function perMillion(from: Cpu, to: Cpu, rows: number): string {
  return (Object.keys(to) as Array<keyof Cpu>)
    .map((p) => `${p} ${(((to[p] - from[p]) * 1_000_000) / rows).toFixed(1)}`)
    .join(', ');
}

async function measure(): Promise<void> {
  for (const db of ['bench', '_move_tables']) await target.query(`DROP DATABASE IF EXISTS ${db}`);
  await Promise.all([settle(source), settle(target)]);
  const handle = await startMove(
    client,
    { source: 'source', target: 'target', database: 'bench', tables: ['t'], copyConcurrency: 2, reversible: false },
    BENCH_QUEUE,
  );
  // Each phase's start: when the status first showed it, and the CPU used by then.
  const starts = new Map<MovePhase, { at: number; cpu: Cpu }>();
  const poll = async () => {
    for (;;) {
      const status = await handle.query(moveStatusQuery).catch(() => undefined);
      if (status && !starts.has(status.phase)) starts.set(status.phase, { at: Date.now(), cpu: cpu() });
      if (!status || ['done', 'failed', 'cancelled'].includes(status.phase)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const polled = poll();
  const result = await handle.result();
  await polled;
  const copy = starts.get('copy')!;
  const verify = starts.get('verify');
  const after = starts.get('cutover') ?? starts.get('done')!;
  const compared = result.verify!.tables.reduce((sum, t) => sum + t.sourceRows, 0);
  const verifySeconds = result.verify!.durationMs / 1_000;
  console.log(
    `  copy:    ${result.rowsCopied} rows in ${result.copySeconds.toFixed(1)} s = ${result.copyRowsPerSecond} rows/s; CPU s per 1M rows: ${perMillion(copy.cpu, (starts.get('catch-up') ?? verify)!.cpu, result.rowsCopied)}`,
  );
  console.log(
    `  verify:  ${compared} rows in ${verifySeconds.toFixed(1)} s = ${Math.round(compared / verifySeconds)} rows/s, ${result.verify!.beforeCutOver!.snapshots} snapshot pair(s), ${result.verify!.ok ? 'equal' : 'DIFFERENCES'} at ${result.verify!.beforeCutOver!.position}; CPU s per 1M rows: ${verify ? perMillion(verify.cpu, after.cpu, compared) : '?'}`,
  );
}

try {
  for (const rows of sizes) {
    await createBenchTable(source, kind, rows);
    const [size] = await source.query<RowDataPacket[]>(
      "SELECT AVG_ROW_LENGTH AS len FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'bench' AND TABLE_NAME = 't'",
    );
    console.log(`\n${kind} table, ${rows} rows (${size[0]!.len} bytes a row):`);
    await measure();
  }
} finally {
  await bench.close();
}
