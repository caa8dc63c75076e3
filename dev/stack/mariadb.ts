import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import type { StackCertificates } from './certificates.js';
import type { MariadbBinaries } from './prereqs.js';
import { logOffset, readHead, readTail, startProcess, stopProcess, waitFor } from './processes.js';

const execFileAsync = promisify(execFile);

/** The MariaDB account the stack creates for the worker, tests and demo. */
export const STACK_USER = 'move_tables';

export interface MariadbServerSpec {
  /** Cluster name (`source`, `target`). */
  name: string;
  dir: string;
  port: number;
  serverId: number;
  gtidDomainId: number;
  /** Default true; false runs a server without a binary log (a misconfigured source, for tests). */
  logBin?: boolean;
  /** The server requires TLS with these certificates, and the stack's account a client certificate. */
  tls?: StackCertificates;
  /** More option-file lines (`lower-case-table-names=1`), for servers set up as production ones may be. */
  options?: string[];
}

export interface MariadbServer {
  name: string;
  host: '127.0.0.1';
  port: number;
  pid: number;
  dir: string;
  socket: string;
  /** Path of the option file; it also marks the process as ours. */
  configFile: string;
  errorLog: string;
}

function optionFile(spec: MariadbServerSpec, dataDir: string): string {
  return [
    '[mariadbd]',
    `datadir=${dataDir}`,
    `socket=${path.join(spec.dir, 'mariadbd.sock')}`,
    `pid-file=${path.join(spec.dir, 'mariadbd.pid')}`,
    `log-error=${path.join(spec.dir, 'error.log')}`,
    // Private temp files: a shared /tmp may be cleaned under a running server's feet.
    `tmpdir=${path.join(spec.dir, 'tmp')}`,
    `port=${spec.port}`,
    'bind-address=127.0.0.1',
    'skip-name-resolve',
    `server-id=${spec.serverId}`,
    `gtid-domain-id=${spec.gtidDomainId}`,
    ...(spec.logBin === false
      ? []
      : ['log-bin=binlog', 'binlog-format=ROW', 'binlog-row-image=FULL', 'binlog-row-metadata=FULL']),
    ...(spec.tls
      ? [
          `ssl-ca=${spec.tls.ca}`,
          `ssl-cert=${spec.tls.serverCert}`,
          `ssl-key=${spec.tls.serverKey}`,
          // TCP clients must use TLS; the stack's own bootstrap uses the socket, which counts as secure.
          'require-secure-transport=ON',
        ]
      : []),
    'character-set-server=utf8mb4',
    'max-connections=400',
    'performance-schema=OFF',
    // Which connections hold a table's metadata lock: the cutover's readiness gate asks before T1.
    'plugin-load-add=metadata_lock_info',
    ...(spec.options ?? []),
    // A local stack for demos and tests: small memory, no fsync per commit.
    'innodb-buffer-pool-size=256M',
    'innodb-log-file-size=128M',
    'innodb-flush-log-at-trx-commit=2',
    'sync-binlog=0',
    '',
  ].join('\n');
}

/** Extra arguments so mariadbd/mariadb-install-db accept running as root. */
function userArgs(): string[] {
  return process.getuid?.() === 0 ? ['--user=root'] : [];
}

/** Creates the data dir (first time only) and starts mariadbd; resolves when it answers. */
export async function startMariadb(
  bin: MariadbBinaries,
  spec: MariadbServerSpec,
  password: string,
  detached: boolean,
): Promise<MariadbServer> {
  const dataDir = path.join(spec.dir, 'data');
  const configFile = path.join(spec.dir, 'my.cnf');
  const socket = path.join(spec.dir, 'mariadbd.sock');
  const errorLog = path.join(spec.dir, 'error.log');
  mkdirSync(path.join(spec.dir, 'tmp'), { recursive: true });
  writeFileSync(configFile, optionFile(spec, dataDir));
  const fresh = !existsSync(path.join(dataDir, 'mysql'));
  if (fresh) {
    await execFileAsync(bin.installDb, [
      `--defaults-file=${configFile}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      ...userArgs(),
    ]).catch((err: Error & { stdout?: string; stderr?: string }) => {
      throw new Error(
        `mariadb-install-db failed for ${spec.name}: ${(err.stderr ?? err.message).trim()}\n${spec.name} error log tail:\n${readTail(errorLog)}`,
      );
    });
  }
  const offset = logOffset(errorLog);
  const started = startProcess(
    bin.mariadbd,
    [`--defaults-file=${configFile}`, ...userArgs()],
    path.join(spec.dir, 'stdout.log'),
    detached,
  );
  const { pid } = started;
  const tail = () => `${spec.name} error log tail:\n${readTail(errorLog)}`;
  await waitFor(
    `MariaDB ${spec.name} on port ${spec.port}`,
    async () => {
      const conn = await mysql.createConnection({ socketPath: socket, user: 'root' });
      try {
        // Every start, not only a fresh data dir's: a first start that exited after mariadb-install-db
        // (its port taken meanwhile) leaves a data dir without the user, and the retry must create it.
        await ensureStackUser(conn, password, spec.tls !== undefined);
        return true;
      } finally {
        await conn.end();
      }
    },
    60_000,
    tail,
    { exited: started.exited, onExit: () => `${spec.name} error log (${errorLog}):\n${readHead(errorLog, offset)}` },
  ).catch(async (err: unknown) => {
    // A server that did not come up in time is not left running.
    await stopProcess(pid, configFile);
    throw err;
  });
  return { name: spec.name, host: '127.0.0.1', port: spec.port, pid, dir: spec.dir, socket, configFile, errorLog };
}

/** The stack's user with the stack's password (the password file's, which the clusters file repeats). */
async function ensureStackUser(conn: mysql.Connection, password: string, x509: boolean): Promise<void> {
  // Bootstrap statements are not replicated anywhere: keep them out of the binlog and GTIDs.
  await conn.query('SET SESSION sql_log_bin = 0');
  await conn.query(`CREATE USER IF NOT EXISTS '${STACK_USER}'@'127.0.0.1' IDENTIFIED BY ?`, [password]);
  await conn.query(`ALTER USER '${STACK_USER}'@'127.0.0.1' IDENTIFIED BY ? REQUIRE ${x509 ? 'X509' : 'NONE'}`, [
    password,
  ]);
  await conn.query(`GRANT ALL PRIVILEGES ON *.* TO '${STACK_USER}'@'127.0.0.1' WITH GRANT OPTION`);
}
