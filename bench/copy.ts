// Row copy throughput: `npm run bench:copy [rows=1000000]`. On a private stack, a table of ~90-byte
// rows is copied to the target twice: by `mariadb-dump | mariadb` and by a move (copy with the
// binlog stream running). Prints both rates, their ratio, and the worker process's peak RSS. Figures only: nothing is asserted.
import { spawn } from 'node:child_process';
import { findExecutable } from '../dev/stack/prereqs.js';
import { startMove } from '../client/moves.js';
import { BENCH_QUEUE, startBenchStack } from '../dev/bench-stack.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const bench = await startBenchStack();
const { clusters, client } = bench;

function run(command: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', command], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}`))));
  });
}

try {
  const source = clusters.pool('source');
  const target = clusters.pool('target');
  await source.query('CREATE DATABASE bench');
  await source.query(
    `CREATE TABLE bench.t (id BIGINT PRIMARY KEY, a CHAR(32), b VARCHAR(40), n INT, at DATETIME) CHARACTER SET latin1`,
  );
  const filled = Date.now();
  await source.query(
    `INSERT INTO bench.t SELECT seq, MD5(seq), SUBSTR(SHA1(seq), 1, 30 + seq % 10), seq, '2024-01-01 00:00:00' + INTERVAL seq SECOND FROM bench.seq_1_to_${rows}`,
  );
  await source.query('ANALYZE TABLE bench.t');
  const [size] = await source.query<import('mysql2').RowDataPacket[]>(
    "SELECT AVG_ROW_LENGTH AS len FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'bench' AND TABLE_NAME = 't'",
  );
  console.log(`source: ${rows} rows, average row length ${size[0]!.len} bytes (filled in ${Date.now() - filled} ms)`);

  // Baseline: dump and load between the same servers, through a pipe.
  const s = clusters.settings('source');
  const t = clusters.settings('target');
  await target.query('CREATE DATABASE dumpload');
  const dump = findExecutable('mariadb-dump') ?? 'mysqldump';
  const cli = findExecutable('mariadb') ?? 'mysql';
  const dumpStarted = Date.now();
  await run(
    `${dump} --single-transaction --skip-lock-tables -h${s.host} -P${s.port} -u${s.user} bench t | MYSQL_PWD="$TARGET_PWD" ${cli} -h${t.host} -P${t.port} -u${t.user} dumpload`,
    { ...process.env, MYSQL_PWD: s.password ?? '', TARGET_PWD: t.password ?? '' },
  );
  const dumpSeconds = (Date.now() - dumpStarted) / 1_000;
  const dumpRate = rows / dumpSeconds;
  console.log(`mariadb-dump | mariadb: ${rows} rows in ${dumpSeconds.toFixed(1)} s = ${Math.round(dumpRate)} rows/s`);

  const rssBefore = bench.worker.peakRss();
  const handle = await startMove(
    client,
    { source: 'source', target: 'target', database: 'bench', tables: ['t'], verify: 'skip' },
    BENCH_QUEUE,
  );
  const result = await handle.result();
  console.log(
    `move copy (stream running): ${result.rowsCopied} rows in ${result.copySeconds.toFixed(1)} s = ${result.copyRowsPerSecond} rows/s`,
  );
  console.log(`ratio move copy / dump|load: ${(result.copyRowsPerSecond / dumpRate).toFixed(2)}`);
  console.log(
    `worker process peak RSS (VmHWM): ${(rssBefore / 1048576).toFixed(0)} MB before the move, ${(bench.worker.peakRss() / 1048576).toFixed(0)} MB after it`,
  );
  console.log(`cutover window ${result.cutOver.cutoverWindowMs} ms`);
} finally {
  await bench.close();
}
