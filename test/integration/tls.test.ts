// Production connectivity. The run's stack requires TLS and a client certificate on both servers,
// so every integration test reaches them as production does (VERIFY_IDENTITY); here, what a user
// sees: a move whose binlog reader, copy and cutover all run over TLS, each misconfiguration
// refused before anything changes, and Temporal reached only through an mTLS endpoint.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import type mysql from 'mysql2/promise';
import { beforeAll, describe, expect, it } from 'vitest';
import { Clusters } from '../../activities/clusters.js';
import { startOneWayMove } from '../support/one-way-move.js';
import { releaseCutOverSignal } from '../../contract/definitions.js';
import { createCertificateAuthority, signedCertificate } from '../../dev/stack/certificates.js';
import { repoRoot } from '../../dev/stack/paths.js';
import { startTlsProxy } from '../../dev/tls-proxy.js';
import { cleanupAfterEach } from '../support/cleanups.js';
import { recordFault } from '../support/fault-report.js';
import { createSourceTable } from '../support/move-fixture.js';
import {
  ownedWorkerProcess,
  spawnWorkerProcess,
  sql,
  stack,
  startWorker,
  temporalClient,
  testClusters,
  uniqueName,
} from '../support/stack.js';
import { eventually, failureOf, moveReaches } from '../support/waiting.js';

const run = promisify(execFile);
const defer = cleanupAfterEach();
let client: Client;
beforeAll(async () => {
  client = await temporalClient();
});

const certificates = () => {
  const tls = stack().tls;
  if (!tls) throw new Error('the test stack runs without TLS');
  return tls;
};

/** A CA the servers do not use, and a server certificate from it: what a wrong ssl-ca meets. */
function foreignCa() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'move-tables-foreign-ca-'));
  const ca = createCertificateAuthority(dir, 'foreign-ca');
  return { dir, ca, server: signedCertificate(dir, 'foreign-server', ca, '/CN=elsewhere', 'IP:127.0.0.1') };
}

async function count(conn: mysql.Connection, table: string): Promise<number> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${table}`);
  return Number(rows[0]!.n);
}

describe('databases over TLS', () => {
  it('moves a table with every connection verified (VERIFY_IDENTITY, client certificate), the binlog reader included', async () => {
    const source = await sql('source');
    defer(() => source.end());
    const [settings] = await source.query<mysql.RowDataPacket[]>(
      "SELECT @@global.require_secure_transport + 0 AS required, (SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'SSL_VERSION') AS version",
    );
    expect(settings[0]).toMatchObject({ required: 1, version: expect.stringMatching(/^TLSv1\.[23]$/) });
    expect(testClusters().settings('source').tls).toMatchObject({ mode: 'VERIFY_IDENTITY', cert: expect.any(String) });

    const { database, source: src } = await createSourceTable('tls', 3_000);
    defer(() => src.end());
    const taskQueue = uniqueName('q');
    const worker = await startWorker({ taskQueue });
    defer(() => worker.stop());
    const handle = await startOneWayMove(
      client,
      { source: 'source', target: 'target', database, tables: ['t'], postpone: true },
      taskQueue,
    );
    await moveReaches(handle, 'the postpone gate', (s) => s.cutOver?.postponed === true);
    // Written after the copy: only the binlog reader (its own TLS session) can bring these rows.
    await src.query(
      `INSERT INTO ${database}.t (id, v, n) SELECT seq, 'streamed', seq FROM ${database}.seq_3001_to_3100`,
    );
    await src.query(`UPDATE ${database}.t SET v = 'updated' WHERE id <= 10`);
    const target = await sql('target');
    defer(() => target.end());
    await eventually('the streamed rows on the target', async () =>
      (await count(target, `${database}.t`)) === 3_100 ? true : undefined,
    );
    const [dumps] = await source.query<mysql.RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%' AND USER = 'move_tables'",
    );
    expect(Number(dumps[0]!.n)).toBeGreaterThan(0);
    await handle.signal(releaseCutOverSignal);
    const result = await handle.result();
    expect(result.verify?.ok).toBe(true);
    expect(await count(target, `${database}.t`)).toBe(3_100);
    const [updated] = await target.query<mysql.RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM ${database}.t WHERE v = 'updated'`,
    );
    expect(Number(updated[0]!.n)).toBe(10);
    recordFault(
      'servers require TLS and a client certificate (the whole suite)',
      'copy, binlog reader and cutover over TLS with VERIFY_IDENTITY',
      `3,000 copied + 100 inserted and 10 updated through the stream; session ${settings[0]!.version}`,
    );
  });

  it('refuses plaintext, a wrong CA and a host name the certificate does not carry: at once, naming the cluster, nothing changed', async () => {
    const foreign = foreignCa();
    const good = testClusters().settings('source');
    const password = good.password!;
    const base = `mysql://move_tables:${encodeURIComponent(password)}@127.0.0.1:${stack().servers.source.port}`;
    const taskQueue = uniqueName('q');
    const worker = await startWorker(
      { taskQueue },
      {
        MOVE_TABLES_CLUSTER_PLAIN: `${base}?ssl-mode=DISABLED`,
        MOVE_TABLES_CLUSTER_WRONG_CA: `${base}?ssl-mode=VERIFY_IDENTITY&ssl-ca=${foreign.ca.cert}&ssl-cert=${good.tls!.cert}&ssl-key=${good.tls!.key}`,
        MOVE_TABLES_CLUSTER_WRONG_NAME: `mysql://move_tables:${encodeURIComponent(password)}@localhost:${stack().servers.source.port}?ssl-mode=VERIFY_IDENTITY&ssl-ca=${certificates().ca}&ssl-cert=${good.tls!.cert}&ssl-key=${good.tls!.key}`,
        MOVE_TABLES_CLUSTER_NO_CERT: `${base}?ssl-mode=VERIFY_IDENTITY&ssl-ca=${certificates().ca}`,
      },
    );
    defer(() => worker.stop());
    const { database, source } = await createSourceTable('tlsbad', 10);
    defer(() => source.end());
    const cases = [
      ['plain', /requires TLS \(MariaDB reports that as access denied\): set ssl-mode/],
      ['wrong-ca', /TLS handshake failed with ssl-mode VERIFY_IDENTITY: .*not signed by the CA in ssl-ca/],
      [
        'wrong-name',
        /does not match certificate's altnames.*the host name the worker dials must be one of the certificate's names/,
      ],
      ['no-cert', /the account requires a client certificate \(REQUIRE X509\): set ssl-cert and ssl-key/],
    ] as const;
    const observed: string[] = [];
    for (const [cluster, cause] of cases) {
      const started = Date.now();
      const handle = await startOneWayMove(
        client,
        { source: cluster, target: 'target', database, tables: ['t'] },
        taskQueue,
      );
      const message = await failureOf(handle.result());
      expect(message).toMatch(
        new RegExp(`^ClusterConnectionFailed: cannot connect to cluster ${cluster} \\(move_tables@`),
      );
      expect(message).toMatch(cause);
      expect(message).not.toContain(password);
      // Non-retryable: one attempt, not three with backoff.
      expect(Date.now() - started).toBeLessThan(15_000);
      observed.push(`${cluster} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    const target = await sql('target');
    defer(() => target.end());
    const [dbs] = await target.query<mysql.RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
      [database],
    );
    expect(Number(dbs[0]!.n)).toBe(0);
    recordFault(
      'worker misconfigured for a TLS-only source (plaintext, wrong CA, wrong host name, no client certificate)',
      'ClusterConnectionFailed naming the cluster and the setting, non-retryable, before any change',
      `failed: ${observed.join(', ')}; nothing on the target`,
    );
  });

  it('PREFERRED, the default, encrypts when the server offers TLS', async () => {
    // Unverified, as MySQL's clients. Its plaintext fallback is faults.test.ts's server without TLS
    // (a URL with no ssl-mode), which the worker reaches to refuse its binlog settings.
    const good = testClusters().settings('source');
    const preferred = new Clusters(
      new Map([
        [
          'source',
          {
            ...good,
            tls: { mode: 'PREFERRED' as const, ...(good.tls?.cert ? { cert: good.tls.cert, key: good.tls.key! } : {}) },
          },
        ],
      ]),
    );
    defer(() => preferred.close());
    const [rows] = await preferred
      .pool('source')
      .query<mysql.RowDataPacket[]>("SHOW SESSION STATUS LIKE 'Ssl_version'");
    expect(String(rows[0]!.Value)).toMatch(/^TLSv1/);
  });
});

describe('Temporal over mTLS', () => {
  async function cli(env: Record<string, string>, ...args: string[]) {
    return run(path.join(repoRoot, 'bin/move-tables'), args, {
      env: { ...process.env, ...env },
      timeout: 120_000,
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
  }

  it('the worker and the CLI reach Temporal only through an endpoint that requires a client certificate', async () => {
    const tls = certificates();
    const proxy = await startTlsProxy({
      upstream: stack().temporal.address,
      cert: tls.serverCert,
      key: tls.serverKey,
      clientCa: tls.ca,
    });
    defer(() => proxy.close());
    const mtls = {
      TEMPORAL_ADDRESS: proxy.address,
      TEMPORAL_NAMESPACE: stack().temporal.namespace,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: tls.ca,
      TEMPORAL_TLS_CLIENT_CERT_PATH: tls.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: tls.clientKey,
    };
    const taskQueue = uniqueName('q');
    // The worker process gets the mTLS endpoint only: its TEMPORAL_ADDRESS is the proxy's.
    const worker = await ownedWorkerProcess(defer, { ...mtls, MOVE_TABLES_TASK_QUEUE: taskQueue });
    await eventually(
      'the worker to start over mTLS',
      async () => (worker.output().includes('worker started') ? true : undefined),
      { timeoutMs: 60_000 },
    );
    expect(worker.output()).toContain('"temporalSecurity":"mTLS"');

    const { database, source } = await createSourceTable('tlstemporal', 500);
    defer(() => source.end());
    const started = await cli(
      mtls,
      'start',
      '--database',
      database,
      '--tables',
      't',
      '--task-queue',
      taskQueue,
      '--postpone',
    );
    expect(started).toMatchObject({ code: 0 });
    const moveId = `move:source/${database}/t`;
    await eventually('the move postponed', async () => {
      const status = await cli(mtls, 'status', moveId, '--json');
      return status.code === 0 && /"postponed":true/.test(status.stdout) ? true : undefined;
    });
    expect((await cli(mtls, 'release', moveId)).code).toBe(0);
    // Reversible by default: on the target, then completed.
    await eventually('the move on the target', async () => {
      const status = await cli(mtls, 'status', moveId, '--json');
      return /"phase":\s*"on-target"/.test(status.stdout) ? true : undefined;
    });
    expect((await cli(mtls, 'complete', moveId)).code).toBe(0);
    await eventually('the move done', async () => {
      const status = await cli(mtls, 'status', moveId, '--json');
      return /"phase":\s*"done"/.test(status.stdout) ? true : undefined;
    });

    // What a user sees when the setup is wrong: the cause, and the variable to set.
    const foreign = foreignCa();
    const wrongCa = await cli({ ...mtls, TEMPORAL_TLS_SERVER_CA_CERT_PATH: foreign.ca.cert }, 'list');
    expect(wrongCa.code).toBe(5);
    expect(wrongCa.stderr).toMatch(new RegExp(`cannot connect to Temporal at ${proxy.address} \\(mTLS\\): `));
    expect(wrongCa.stderr).toContain('not signed by a CA the worker trusts: set TEMPORAL_TLS_SERVER_CA_CERT_PATH');
    const { TEMPORAL_TLS_CLIENT_CERT_PATH: _c, TEMPORAL_TLS_CLIENT_KEY_PATH: _k, ...noClientCert } = mtls;
    const missing = await cli(noClientCert, 'list');
    expect(missing.code).toBe(5);
    expect(missing.stderr).toMatch(
      /\(TLS\): TLS handshake: tlsv13 alert certificate required; the server requires a client certificate it trusts: set TEMPORAL_TLS_CLIENT_CERT_PATH/,
    );
    expect(wrongCa.stderr + missing.stderr).not.toContain('DEP0123');
    // The worker says the same and exits, rather than retrying in silence.
    await expect(spawnWorkerProcess({ ...mtls, TEMPORAL_TLS_SERVER_CA_CERT_PATH: foreign.ca.cert })).rejects.toThrow(
      /worker process exited \(1\)[^]*cannot connect to Temporal at .* \(mTLS\): .*not signed by a CA the worker trusts/,
    );
    const plaintext = await cli({ TEMPORAL_ADDRESS: proxy.address }, 'list');
    expect(plaintext.code).toBe(5);
    recordFault(
      'Temporal behind an endpoint requiring a client certificate',
      'worker and CLI connect with TEMPORAL_TLS_* settings; a wrong CA or no client certificate named',
      `move done over mTLS; wrong CA: "${/: (.*?);/.exec(wrongCa.stderr)?.[1]?.slice(0, 60) ?? wrongCa.stderr.slice(0, 60)}"; no client cert: exit ${missing.code}`,
    );
  });
});
