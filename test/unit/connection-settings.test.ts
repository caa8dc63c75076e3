// How a user configures TLS and secrets: the clusters file and URL options (MySQL's spelling), the
// password file read again for every connection, and Temporal through the SDK's environment
// configuration. Configuration mistakes fail at start, naming the setting, never a secret.
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configFiles, errorOf } from '../support/config-files.js';
import { Clusters } from '../../activities/clusters.js';
import { loadTemporalSettings } from '../../client/temporal-config.js';
import { loadClusterConfig } from '../../worker/cluster-config.js';
import { loadWorkerConfig } from '../../worker/config.js';

const file = configFiles('move-tables-connection-test-');
const ca = file('ca.pem', '-----BEGIN CERTIFICATE-----\n');
const cert = file('client.pem', 'cert');
const key = file('client-key.pem', 'key');

describe('database TLS settings', () => {
  it('reads ssl-mode, ssl-ca, ssl-cert and ssl-key from the clusters file and from URL options', () => {
    const clusters = file('tls-clusters.json', {
      clusters: {
        source: {
          host: 'db1',
          user: 'u',
          'ssl-mode': 'verify_identity',
          'ssl-ca': ca,
          'ssl-cert': cert,
          'ssl-key': key,
        },
        target: { host: 'db2', user: 'u', 'ssl-ca': ca },
        plain: { host: 'db3', user: 'u', 'ssl-mode': 'DISABLED' },
        default: { host: 'db4', user: 'u' },
      },
    });
    const config = loadClusterConfig({
      MOVE_TABLES_CLUSTERS_FILE: clusters,
      MOVE_TABLES_CLUSTER_EU: `mysql://u:p@db5:3306?ssl-mode=REQUIRED`,
      MOVE_TABLES_CLUSTER_US: `mysql://u@db6?ssl-mode=VERIFY_CA&ssl-ca=${ca}`,
    });
    expect(config.get('source')?.tls).toEqual({ mode: 'VERIFY_IDENTITY', ca, cert, key });
    // As MySQL's clients: a CA without a mode verifies the chain.
    expect(config.get('target')?.tls).toEqual({ mode: 'VERIFY_CA', ca });
    expect(config.get('plain')?.tls).toEqual({ mode: 'DISABLED' });
    expect(config.get('default')?.tls).toBeUndefined();
    expect(config.get('eu')).toMatchObject({ password: 'p', tls: { mode: 'REQUIRED' } });
    expect(config.get('us')?.tls).toEqual({ mode: 'VERIFY_CA', ca });
    // The mysql2 options: verification as the mode says, the PEM text read from the files.
    const options = new Clusters(config).connectionOptions('source');
    expect(options.ssl).toMatchObject({
      rejectUnauthorized: true,
      verifyIdentity: true,
      ca: '-----BEGIN CERTIFICATE-----\n',
    });
    expect(new Clusters(config).connectionOptions('eu').ssl).toMatchObject({
      rejectUnauthorized: false,
      verifyIdentity: false,
    });
    expect(new Clusters(config).connectionOptions('plain').ssl).toBeUndefined();
    // Unset: PREFERRED, as MySQL's clients (TLS when the server offers it, unverified).
    expect(new Clusters(config).connectionOptions('default').ssl).toMatchObject({ rejectUnauthorized: false });
  });

  it('refuses a mistyped key, an unknown mode, a lone certificate and an unreadable file, naming them', () => {
    const where = (entry: Record<string, unknown>) =>
      errorOf(() =>
        loadClusterConfig({
          MOVE_TABLES_CLUSTERS_FILE: file('bad.json', { clusters: { source: { host: 'h', user: 'u', ...entry } } }),
        }),
      );
    expect(where({ sslmode: 'REQUIRED', password: 'hunter2' })).toMatch(/unknown key\(s\) sslmode/);
    expect(where({ sslmode: 'REQUIRED', password: 'hunter2' })).not.toContain('hunter2');
    expect(where({ 'ssl-mode': 'VERIFY_FULL' })).toMatch(
      /"ssl-mode" must be one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY/,
    );
    expect(where({ 'ssl-cert': cert })).toMatch(/"ssl-cert" and "ssl-key" go together/);
    expect(where({ 'ssl-ca': '/nonexistent/ca.pem' })).toMatch(
      /"ssl-ca" names \/nonexistent\/ca.pem, which cannot be read/,
    );
    expect(where({ 'ssl-mode': 'DISABLED', 'ssl-ca': ca })).toMatch(/ssl-mode DISABLED with ssl-ca/);
    expect(where({ password: 'a', passwordFile: ca })).toMatch(/give one of password, passwordFile/);
    const url = errorOf(() =>
      loadClusterConfig({ MOVE_TABLES_CLUSTER_SOURCE: 'mysql://u:hunter2@h?sslmode=REQUIRED' }),
    );
    expect(url).toMatch(/MOVE_TABLES_CLUSTER_SOURCE: unknown option\(s\) sslmode/);
    expect(url).not.toContain('hunter2');
  });
});

describe('passwords from files', () => {
  it('reads the password file again for every new connection, so a rotation needs no restart', () => {
    const secret = file('password', 'first\n');
    const config = loadClusterConfig({
      MOVE_TABLES_CLUSTERS_FILE: file('pw-clusters.json', {
        clusters: { source: { host: 'h', user: 'u', passwordFile: secret } },
      }),
      MOVE_TABLES_CLUSTER_TARGET: `mysql://u@h?password-file=${secret}&ssl-mode=DISABLED`,
    });
    expect(config.get('source')).toEqual({ host: 'h', port: 3306, user: 'u', passwordFile: secret });
    const clusters = new Clusters(config);
    expect(clusters.connectionOptions('source').password).toBe('first');
    writeFileSync(secret, 'second');
    expect(clusters.connectionOptions('source').password).toBe('second');
    expect(clusters.connectionOptions('target').password).toBe('second');
    // The pool's new connections read it too (their settings are copied from this object).
    const pool = clusters.pool('source').pool as unknown as { config: { connectionConfig: { password: string } } };
    writeFileSync(secret, 'third');
    expect(pool.config.connectionConfig.password).toBe('third');
    void clusters.close();
  });
});

describe('Temporal connection settings', () => {
  it('reads TLS, mTLS and API keys as the temporal CLI does, and says how it is secured', () => {
    expect(loadTemporalSettings({})).toMatchObject({
      address: '127.0.0.1:7233',
      namespace: 'default',
      security: 'plaintext',
    });
    const mtls = loadTemporalSettings({
      TEMPORAL_ADDRESS: 'temporal.example:7233',
      TEMPORAL_NAMESPACE: 'moves',
      TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: key,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    expect(mtls).toMatchObject({ address: 'temporal.example:7233', namespace: 'moves', security: 'mTLS' });
    expect(mtls.connection.tls).toMatchObject({
      serverNameOverride: 'temporal.internal',
      clientCertPair: { crt: new Uint8Array(Buffer.from('cert')) },
    });
    const cloud = loadTemporalSettings({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'k-123' });
    expect(cloud).toMatchObject({ security: 'API key over TLS', connection: { apiKey: 'k-123', tls: true } });
    // CLI flags win over the environment.
    expect(loadTemporalSettings({ TEMPORAL_ADDRESS: 'a:1' }, { address: 'b:2', namespace: 'n' })).toMatchObject({
      address: 'b:2',
      namespace: 'n',
    });
  });

  it('reads a profile from the TOML file the temporal CLI uses, the environment on top', () => {
    const toml = file(
      'temporal.toml',
      `[profile.prod]\naddress = "prod.example:7233"\nnamespace = "moves"\napi_key = "from-file"\n\n[profile.prod.tls]\nserver_ca_cert_path = "${ca}"\n`,
    );
    const settings = loadTemporalSettings({
      TEMPORAL_CONFIG_FILE: toml,
      TEMPORAL_PROFILE: 'prod',
      TEMPORAL_NAMESPACE: 'other',
    });
    expect(settings).toMatchObject({ address: 'prod.example:7233', namespace: 'other', security: 'API key over TLS' });
  });

  it('the worker refuses unreadable certificate files at start, and its config holds no key in what it logs', () => {
    expect(
      errorOf(() =>
        loadWorkerConfig({ TEMPORAL_TLS_CLIENT_CERT_PATH: '/nonexistent/c.pem', TEMPORAL_TLS_CLIENT_KEY_PATH: key }),
      ),
    ).toMatch(/cannot read the Temporal connection settings: .*\/nonexistent\/c.pem/);
    const config = loadWorkerConfig({ TEMPORAL_API_KEY: 'sekrit-key' });
    expect(`${config.temporal.address} ${config.temporal.security} ${config.temporal.namespace}`).not.toContain(
      'sekrit',
    );
  });
});
