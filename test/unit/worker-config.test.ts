import { describe, expect, it } from 'vitest';
import { configFiles, errorOf } from '../support/config-files.js';
import { loadClusterConfig } from '../../worker/cluster-config.js';
import { loadWorkerConfig } from '../../worker/config.js';
import { recordFault } from '../support/fault-report.js';

const file = configFiles('move-tables-config-test-');

describe('cluster config', () => {
  it('reads the clusters file, passwordEnv, and URL variables that override it', () => {
    const clusters = file('clusters.json', {
      clusters: {
        source: { host: 'db1', port: 3307, user: 'mover', passwordEnv: 'SRC_PW' },
        target: { host: 'db2', user: 'mover', password: 'p2' },
      },
    });
    const config = loadClusterConfig({
      MOVE_TABLES_CLUSTERS_FILE: clusters,
      SRC_PW: 's3cret',
      MOVE_TABLES_CLUSTER_TARGET: 'mysql://admin:p%40ss@db3:3310',
      MOVE_TABLES_CLUSTER_EU_WEST: 'mysql://u@db4',
    });
    expect(config.get('source')).toEqual({ host: 'db1', port: 3307, user: 'mover', password: 's3cret' });
    expect(config.get('target')).toEqual({ host: 'db3', port: 3310, user: 'admin', password: 'p@ss' });
    expect(config.get('eu-west')).toEqual({ host: 'db4', port: 3306, user: 'u' });
  });

  it('names the problem without echoing a password', () => {
    const missingEnv = file('missing-env.json', {
      clusters: { source: { host: 'db1', user: 'u', passwordEnv: 'NOPE' } },
    });
    expect(errorOf(() => loadClusterConfig({ MOVE_TABLES_CLUSTERS_FILE: missingEnv }))).toMatch(
      /environment variable NOPE \(passwordEnv\) is not set/,
    );
    const badName = file('bad-name.json', { clusters: { Source: { host: 'db1', user: 'u', password: 'hunter2' } } });
    const message = errorOf(() => loadClusterConfig({ MOVE_TABLES_CLUSTERS_FILE: badName }));
    expect(message).toMatch(/invalid cluster name "Source"/);
    expect(message).not.toContain('hunter2');
    const badUrl = errorOf(() => loadClusterConfig({ MOVE_TABLES_CLUSTER_SOURCE: 'postgres://u:hunter2@db' }));
    expect(badUrl).toMatch(/must look like mysql:\/\/user:password@host:port/);
    expect(badUrl).not.toContain('hunter2');
    const badPort = file('bad-port.json', { clusters: { source: { host: 'db1', port: 70000, user: 'u' } } });
    expect(errorOf(() => loadClusterConfig({ MOVE_TABLES_CLUSTERS_FILE: badPort }))).toMatch(
      /"port" must be an integer 1-65535/,
    );
  });
});

describe('worker config', () => {
  it('has defaults for a local Temporal', () => {
    expect(loadWorkerConfig({})).toMatchObject({
      temporal: { address: '127.0.0.1:7233', namespace: 'default', security: 'plaintext' },
      taskQueue: 'move-tables',
      logLevel: 'INFO',
    });
  });

  it('reads the config file, and the environment wins over it', () => {
    const config = file('worker.json', {
      temporalAddress: 'temporal:7233',
      namespace: 'moves',
      metricsPort: 9464,
      logLevel: 'debug',
    });
    expect(loadWorkerConfig({ MOVE_TABLES_CONFIG: config, TEMPORAL_NAMESPACE: 'prod' })).toMatchObject({
      temporal: { address: 'temporal:7233', namespace: 'prod' },
      metricsPort: 9464,
      logLevel: 'DEBUG',
    });
  });

  it('refuses unknown keys, bad log levels and bad ports', () => {
    expect(errorOf(() => loadWorkerConfig({ MOVE_TABLES_CONFIG: file('unknown.json', { temporal: 'x' }) }))).toMatch(
      /unknown key "temporal"/,
    );
    expect(errorOf(() => loadWorkerConfig({ MOVE_TABLES_LOG_LEVEL: 'LOUD' }))).toMatch(/MOVE_TABLES_LOG_LEVEL must be/);
    expect(errorOf(() => loadWorkerConfig({ MOVE_TABLES_METRICS_PORT: 'x' }))).toMatch(
      /MOVE_TABLES_METRICS_PORT must be a port number/,
    );
    expect(errorOf(() => loadWorkerConfig({ MOVE_TABLES_CONFIG: file('broken.json', '{') }))).toMatch(
      /cannot read worker config/,
    );
  });
});

describe('cluster file errors', () => {
  it('a malformed clusters file is named without echoing its content', () => {
    const broken = file(
      'broken-clusters.json',
      '{"clusters": {"source": {"host": "db1", "user": "u", "password": "hunter2-secret" ',
    );
    const message = errorOf(() => loadClusterConfig({ MOVE_TABLES_CLUSTERS_FILE: broken }));
    expect(message).toMatch(/is not valid JSON/);
    expect(message).not.toContain('hunter2');
    recordFault('a malformed clusters file holding a password', 'the error names the file, never its text', message);
  });
});
