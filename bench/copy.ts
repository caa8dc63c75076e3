// Row copy throughput: `npm run bench:copy [rows,...=1000000,5000000]`. On one private stack, for
// each table size, the same table of ~110-byte rows is copied to the target by `mariadb-dump |
// mariadb`, by `mydumper | myloader` (Debian's mydumper; 2 threads and its default 4, 100k-row
// chunks, the load binlogged on the target as the move's writes are), and by a move (copy with the
// binlog stream running, verify skipped) at copyConcurrency 1, 2 and 4, with the worker process's
// peak RSS and CPU time during each move. Figures only: nothing is asserted.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RowDataPacket } from 'mysql2';
import { startMove } from '../client/moves.js';
import { BENCH_QUEUE, startBenchStack } from '../dev/bench-stack.js';
import { ensureDebianTool, findExecutable } from '../dev/stack/prereqs.js';
import { processCpuSeconds } from '../dev/worker-process.js';

const sizes = (process.argv[2] ?? '1000000,5000000').split(',').map(Number);
const CONCURRENCY = [1, 2, 4];
const MYDUMPER_THREADS = [2, 4];

const mydumper = ensureDebianTool('mydumper', 'mydumper');
const myloader = ensureDebianTool('myloader', 'mydumper');
const bench = await startBenchStack();
const { clusters, client } = bench;
const source = clusters.pool('source');
const target = clusters.pool('target');
const s = clusters.settings('source');
const t = clusters.settings('target');
const passwords = { ...process.env, SOURCE_PWD: s.password ?? '', TARGET_PWD: t.password ?? '' };

function run(command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', command], {
      env: passwords,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}`))));
  });
}

/** CPU seconds both servers have used so far. */
function serversCpu(): { source: number; target: number } {
  return {
    source: processCpuSeconds(bench.state.servers.source.pid),
    target: processCpuSeconds(bench.state.servers.target.pid),
  };
}

async function timed(what: string, rows: number, work: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  const before = serversCpu();
  await work();
  const after = serversCpu();
  const seconds = (Date.now() - started) / 1_000;
  const rate = Math.round(rows / seconds);
  console.log(
    `  ${what.padEnd(44)} ${seconds.toFixed(1).padStart(6)} s  ${String(rate).padStart(8)} rows/s  server CPU s source/target ${(after.source - before.source).toFixed(1)}/${(after.target - before.target).toFixed(1)}`,
  );
  return rate;
}

async function fill(rows: number): Promise<void> {
  await source.query('DROP DATABASE IF EXISTS bench');
  await source.query('CREATE DATABASE bench');
  await source.query(
    `CREATE TABLE bench.t (id BIGINT PRIMARY KEY, a CHAR(32), b VARCHAR(40), n INT, at DATETIME) CHARACTER SET latin1`,
  );
  for (let from = 1; from <= rows; from += 1_000_000) {
    const to = Math.min(rows, from + 999_999);
    await source.query(
      `INSERT INTO bench.t SELECT seq, MD5(seq), SUBSTR(SHA1(seq), 1, 30 + seq % 10), seq, '2024-01-01 00:00:00' + INTERVAL seq SECOND FROM bench.seq_${from}_to_${to}`,
    );
  }
  await source.query('ANALYZE TABLE bench.t');
}

/** Before each copy: no target copy, no move state, the source table under its own name. */
async function resetTarget(): Promise<void> {
  for (const db of ['bench', 'dumpload', 'myloader', '_move_tables'])
    await target.query(`DROP DATABASE IF EXISTS ${db}`);
  const [renamed] = await source.query<RowDataPacket[]>(
    "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'bench' AND TABLE_NAME = '_t_del'",
  );
  if (renamed.length) await source.query('RENAME TABLE bench._t_del TO bench.t');
}

const dump = findExecutable('mariadb-dump') ?? 'mysqldump';
const cli = findExecutable('mariadb') ?? 'mysql';
const connect = (c: typeof s, pwd: string) => `-h${c.host} -P${c.port} -u${c.user} -p"$${pwd}"`;
/** mydumper's option parser wants long options with separate values. */
const connectLong = (c: typeof s, pwd: string) =>
  `--host ${c.host} --port ${c.port} --user ${c.user} --password "$${pwd}"`;

try {
  for (const rows of sizes) {
    await fill(rows);
    const [size] = await source.query<RowDataPacket[]>(
      "SELECT AVG_ROW_LENGTH AS len FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'bench' AND TABLE_NAME = 't'",
    );
    console.log(`\n${rows} rows, average row length ${size[0]!.len} bytes`);
    await resetTarget();
    await target.query('CREATE DATABASE dumpload');
    const dumpRate = await timed('mariadb-dump | mariadb', rows, () =>
      run(
        `${dump} --single-transaction --skip-lock-tables ${connect(s, 'SOURCE_PWD')} bench t | ${cli} ${connect(t, 'TARGET_PWD')} dumpload`,
      ),
    );
    const loaderRates: number[] = [];
    for (const threads of MYDUMPER_THREADS) {
      await resetTarget();
      const dir = mkdtempSync(path.join(os.tmpdir(), 'move-tables-mydumper-'));
      try {
        loaderRates.push(
          await timed(`mydumper -t ${threads} | myloader -t ${threads}`, rows, async () => {
            await run(
              `${mydumper} ${connectLong(s, 'SOURCE_PWD')} -B bench --trx-consistency-only -t ${threads} -r 100000 -o ${dir}`,
            );
            // --enable-binlog: a target's replicas must get the rows, as they get the move's.
            await run(
              `${myloader} ${connectLong(t, 'TARGET_PWD')} -d ${dir} -B myloader -t ${threads} --enable-binlog`,
            );
          }),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    for (const copyConcurrency of CONCURRENCY) {
      await resetTarget();
      bench.worker.resetPeakRss();
      const cpu = () => ({ worker: bench.worker.cpuSeconds(), ...serversCpu() });
      const cpuBefore = cpu();
      const handle = await startMove(
        client,
        { source: 'source', target: 'target', database: 'bench', tables: ['t'], verify: 'skip', copyConcurrency },
        BENCH_QUEUE,
      );
      const result = await handle.result();
      const rate = result.copyRowsPerSecond;
      const { historyLength } = await handle.describe();
      console.log(
        `  ${`move copy, copyConcurrency ${copyConcurrency} (stream running)`.padEnd(44)} ${result.copySeconds.toFixed(1).padStart(6)} s  ${String(rate).padStart(8)} rows/s` +
          `  ${(rate / dumpRate).toFixed(2)}x dump, ${(rate / Math.max(...loaderRates)).toFixed(2)}x best myloader; worker peak RSS ${(bench.worker.peakRss() / 1048576).toFixed(0)} MB, CPU s worker/source/target ${Object.entries(
            cpu(),
          )
            .map(([k, v]) => (v - cpuBefore[k as keyof typeof cpuBefore]).toFixed(1))
            .join('/')}; move history ${historyLength} events`,
      );
    }
  }
} finally {
  await bench.close();
}
