// Row copy throughput: `npm run bench:copy [rows,...=1000000,5000000] [rounds=3] [--table narrow|wide|both]
// [--target-own-core]`. On one private stack, for each table and size, the same table is copied to
// the target by `mariadb-dump | mariadb`, by `mydumper | myloader` (Debian's mydumper; 2 threads and
// 4, 100k-row chunks, the load binlogged on the target as the move's writes are), and by a move (copy
// with the binlog stream running, verify skipped) at copyConcurrency 1, 2 and 4 (on the wide table also
// at 2 with its secondary key kept through the load, deferSecondaryKeys false), with the worker
// process's peak RSS and each process's CPU time; beside them the ceiling: the rows written to a
// file by the source (`SELECT … INTO OUTFILE`) and loaded by the target reading that file itself
// (`LOAD DATA INFILE`, binlogged), with no client in between. Tables: `narrow` and `wide`
// (dev/bench-tables.ts). The tools take turns within a round and
// the summary gives each one's median over the rounds: on a shared machine a single run can be off
// by a fifth. Each run starts once both servers have written out their dirty pages (`settle`).
// --target-own-core pins the target server to the last core and everything else (source server,
// worker, Temporal, the dump and load tools) to the others, as when the target is a machine of its
// own: then the target's cost per row sets each tool's rate. Figures only: nothing is asserted.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RowDataPacket } from 'mysql2';
import { startMove } from '../client/moves.js';
import { lineField, loadColumns } from '../activities/copy/row-lines.js';
import { tableColumns } from '../activities/table-info.js';
import { BENCH_QUEUE, median, serversCpuSeconds, settle, startBenchStack } from '../dev/bench-stack.js';
import { createBenchTable, type BenchTableKind } from '../dev/bench-tables.js';
import { ensureDebianTool, findExecutable } from '../dev/stack/prereqs.js';
import { finishedChildrenCpuSeconds } from '../dev/worker-process.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const sizes = (args[0] ?? '1000000,5000000').split(',').map(Number);
const ROUNDS = Number(args[1] ?? 3);
const TARGET_OWN_CORE = process.argv.includes('--target-own-core');
const tableArg = process.argv.find((a) => a.startsWith('--table='))?.slice('--table='.length) ?? 'both';
if (!['narrow', 'wide', 'both'].includes(tableArg)) throw new Error('--table= must be narrow, wide or both');
const TABLES = (tableArg === 'both' ? ['narrow', 'wide'] : [tableArg]) as BenchTableKind[];
const CONCURRENCY = [1, 2, 4];
const MYDUMPER_THREADS = [2, 4];

const mydumper = ensureDebianTool('mydumper', 'mydumper');
const myloader = ensureDebianTool('myloader', 'mydumper');
const bench = await startBenchStack();
const { clusters, client } = bench;
if (TARGET_OWN_CORE) pinTargetToOwnCore();
const source = clusters.pool('source');
const target = clusters.pool('target');
const s = clusters.settings('source');
const t = clusters.settings('target');
const passwords = { ...process.env, SOURCE_PWD: s.password ?? '', TARGET_PWD: t.password ?? '' };

/** The target's threads on the last core, every other process of the bench (and its children) on the rest. */
function pinTargetToOwnCore(): void {
  const last = os.availableParallelism() - 1;
  if (last < 1) throw new Error('--target-own-core needs at least two cores');
  const pin = (pid: number, cpus: string) =>
    execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
  pin(bench.state.servers.target.pid, String(last));
  const rest = last === 1 ? '0' : `0-${last - 1}`;
  for (const pid of [bench.state.servers.source.pid, bench.state.temporal.pid, bench.worker.child.pid!, process.pid])
    pin(pid, rest);
  console.log(`target server on core ${last}; source, worker, Temporal and the tools on core(s) ${rest}`);
}

function run(command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', command], {
      env: passwords,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}`))));
  });
}

const serversCpu = () => serversCpuSeconds(bench);

interface Run {
  rate: number;
  /** CPU seconds per process over the run. */
  cpu: Record<string, number>;
  note?: string;
}

const runs = new Map<string, Run[]>();

function record(what: string, seconds: number, run: Run): void {
  runs.set(what, [...(runs.get(what) ?? []), run]);
  const cpu = Object.entries(run.cpu)
    .map(([process, s]) => `${process} ${s.toFixed(1)}`)
    .join(', ');
  console.log(
    `  ${what.padEnd(32)} ${seconds.toFixed(1).padStart(6)} s  ${String(run.rate).padStart(8)} rows/s  CPU s: ${cpu}${run.note ? `; ${run.note}` : ''}`,
  );
}

/** CPU seconds each process used between two readings. */
function cpuUsed(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([process, s]) => [process, s - before[process]!]));
}

async function timed(what: string, rows: number, work: () => Promise<unknown>): Promise<void> {
  const started = Date.now();
  const before = { tools: finishedChildrenCpuSeconds(), ...serversCpu() };
  await work();
  const after = { tools: finishedChildrenCpuSeconds(), ...serversCpu() };
  const seconds = (Date.now() - started) / 1_000;
  record(what, seconds, {
    rate: Math.round(rows / seconds),
    cpu: cpuUsed(before, after),
  });
}

/** Each tool's median rate and CPU over the rounds, and the moves' against the best loader's. */
function summary(what: string): void {
  const medians = [...runs].map(([what, list]) => ({
    what,
    rate: median(list.map((r) => r.rate)),
    cpu: Object.keys(list[0]!.cpu).map((p) => `${p} ${median(list.map((r) => r.cpu[p]!)).toFixed(1)}`),
  }));
  const loader = Math.max(...medians.filter((m) => m.what.startsWith('mydumper')).map((m) => m.rate));
  const dump = medians.find((m) => m.what.startsWith('mariadb-dump'))!.rate;
  console.log(`
  ${what} rows, median of ${ROUNDS} rounds:`);
  console.log('  | | rows/s | vs dump | vs best myloader | CPU s (median) |\n  |---|---|---|---|---|');
  for (const m of medians)
    console.log(
      `  | ${m.what} | ${Math.round(m.rate)} | ${(m.rate / dump).toFixed(2)}x | ${(m.rate / loader).toFixed(2)}x | ${m.cpu.join(', ')} |`,
    );
  runs.clear();
}

/** Before each copy: no target copy, no move state, the source table under its own name, both servers settled. */
async function resetTarget(): Promise<void> {
  for (const db of ['bench', 'dumpload', 'myloader', 'loadinfile', '_move_tables'])
    await target.query(`DROP DATABASE IF EXISTS ${db}`);
  const [renamed] = await source.query<RowDataPacket[]>(
    "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'bench' AND TABLE_NAME = '_t_del'",
  );
  if (renamed.length) await source.query('RENAME TABLE bench._t_del TO bench.t');
  await Promise.all([settle(source), settle(target)]);
}

const dump = findExecutable('mariadb-dump') ?? 'mysqldump';
const cli = findExecutable('mariadb') ?? 'mysql';
const connect = (c: typeof s, pwd: string) => `-h${c.host} -P${c.port} -u${c.user} -p"$${pwd}"`;
/** mydumper's option parser wants long options with separate values. */
const connectLong = (c: typeof s, pwd: string) =>
  `--host ${c.host} --port ${c.port} --user ${c.user} --password "$${pwd}"`;

/**
 * The ceiling: the source writes the rows to a file (`SELECT … INTO OUTFILE`) and the target loads
 * it reading the file itself (`LOAD DATA INFILE`, binlogged as the move's writes are): no client, no
 * network, no escaping. Both servers run here, so the target reads what the source wrote.
 */
async function ceiling(rows: number): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'move-tables-infile-'));
  chmodSync(dir, 0o777);
  const file = path.join(dir, 't.txt');
  try {
    const [[created]] = await source.query<RowDataPacket[]>('SHOW CREATE TABLE bench.t');
    await target.query('CREATE DATABASE loadinfile');
    await target.query(String(created!['Create Table']).replace('CREATE TABLE `t`', 'CREATE TABLE loadinfile.t'));
    // The move's own line format: values as stored, BIT as its number, read back through a variable.
    const columns = await tableColumns(source, 'bench', 't');
    const { list, set } = loadColumns(columns);
    const started = Date.now();
    await source.query(
      `SELECT ${columns.map(lineField).join(', ')} FROM bench.t INTO OUTFILE ${source.escape(file)} CHARACTER SET binary`,
    );
    const written = (Date.now() - started) / 1_000;
    await timed('ceiling: LOAD DATA INFILE', rows, async () => {
      await target.query(
        `LOAD DATA INFILE ${target.escape(file)} INTO TABLE loadinfile.t CHARACTER SET binary ${list}${set}`,
      );
    });
    console.log(
      `  ${''.padEnd(32)} (the file written by SELECT … INTO OUTFILE in ${written.toFixed(1)} s, not counted)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One run of each tool, in turn. */
async function round(kind: BenchTableKind, rows: number): Promise<void> {
  await resetTarget();
  await target.query('CREATE DATABASE dumpload');
  await timed('mariadb-dump | mariadb', rows, () =>
    run(
      `${dump} --single-transaction --skip-lock-tables ${connect(s, 'SOURCE_PWD')} bench t | ${cli} ${connect(t, 'TARGET_PWD')} dumpload`,
    ),
  );
  for (const threads of MYDUMPER_THREADS) {
    await resetTarget();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'move-tables-mydumper-'));
    try {
      await timed(`mydumper -t ${threads} | myloader -t ${threads}`, rows, async () => {
        await run(
          `${mydumper} ${connectLong(s, 'SOURCE_PWD')} -B bench --trx-consistency-only -t ${threads} -r 100000 -o ${dir}`,
        );
        // --enable-binlog: a target's replicas must get the rows, as they get the move's.
        await run(`${myloader} ${connectLong(t, 'TARGET_PWD')} -d ${dir} -B myloader -t ${threads} --enable-binlog`);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  await resetTarget();
  await ceiling(rows);
  for (const copyConcurrency of CONCURRENCY) await moveRun(copyConcurrency, true);
  // The same move keeping the secondary keys through the load: what deferring them gains.
  if (kind === 'wide') await moveRun(2, false);
}

/** One move of bench.t, its copy timed by the move itself (the deferred keys' build included). */
async function moveRun(copyConcurrency: number, deferSecondaryKeys: boolean): Promise<void> {
  await resetTarget();
  bench.worker.resetPeakRss();
  const cpu = () => ({ worker: bench.worker.cpuSeconds(), ...serversCpu() });
  const cpuBefore = cpu();
  const handle = await startMove(
    client,
    {
      source: 'source',
      target: 'target',
      database: 'bench',
      tables: ['t'],
      verify: 'skip',
      copyConcurrency,
      deferSecondaryKeys,
      reversible: false,
    },
    BENCH_QUEUE,
  );
  const result = await handle.result();
  const cpuAfter = cpu();
  const { historyLength } = await handle.describe();
  record(`move, copyConcurrency ${copyConcurrency}${deferSecondaryKeys ? '' : ', keys kept'}`, result.copySeconds, {
    rate: result.copyRowsPerSecond,
    cpu: cpuUsed(cpuBefore, cpuAfter),
    note: `worker peak RSS ${(bench.worker.peakRss() / 1048576).toFixed(0)} MB, history ${historyLength} events`,
  });
}

try {
  for (const kind of TABLES)
    for (const rows of sizes) {
      await createBenchTable(source, kind, rows);
      const [size] = await source.query<RowDataPacket[]>(
        "SELECT AVG_ROW_LENGTH AS len FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'bench' AND TABLE_NAME = 't'",
      );
      console.log(
        `\n${kind} table, ${rows} rows, average row length ${size[0]!.len} bytes, stream running during each move`,
      );
      for (let r = 1; r <= ROUNDS; r++) {
        console.log(` round ${r}/${ROUNDS}`);
        await round(kind, rows);
      }
      summary(`${kind} table, ${rows}`);
    }
} finally {
  await bench.close();
}
