import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { Clusters } from '../../activities/clusters.js';
import { recordFault } from '../support/fault-report.js';
import { running } from '../support/process-state.js';
import { eventually } from '../support/waiting.js';
import { runHooks } from '../../activities/hooks/hooks.js';
import type { HookRequest } from '../../contract/activities.js';

const clusters = new Clusters(
  new Map([
    ['source', { host: 'db1', port: 3306, user: 'mover', password: 's3cret-source' }],
    ['target', { host: 'db2', port: 3307, user: 'mover', password: 's3cret-target' }],
  ]),
);
const request: HookRequest = {
  event: 'on-success',
  workflowId: 'move:source/shop/orders/cutover/1',
  source: 'source',
  target: 'target',
  database: 'shop',
  targetDatabase: 'shop',
  tables: ['orders'],
  oldTables: ['_orders_del'],
  elapsedSeconds: 3,
  timeoutMs: 5_000,
};

function hooksDir(body: string): { dir: string; out: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'move-tables-hooks-unit-'));
  const out = path.join(dir, 'out');
  writeFileSync(path.join(dir, 'gh-ost-on-success'), `#!/bin/sh\n${body.replaceAll('$OUT', out)}\n`);
  chmodSync(path.join(dir, 'gh-ost-on-success'), 0o755);
  return { dir, out };
}

describe('hooks', () => {
  it("see gh-ost's variables and a short allow-list, never the worker's cluster settings or passwords", async () => {
    const { dir, out } = hooksDir('env > $OUT');
    process.env.MOVE_TABLES_CLUSTER_SOURCE = 'mysql://mover:s3cret-url@db1:3306';
    process.env.SOURCE_DB_PASSWORD = 's3cret-env';
    try {
      await new MockActivityEnvironment().run(() => runHooks(clusters, dir, request));
    } finally {
      delete process.env.MOVE_TABLES_CLUSTER_SOURCE;
      delete process.env.SOURCE_DB_PASSWORD;
    }
    const env = readFileSync(out, 'utf8');
    expect(env).toContain('GH_OST_DATABASE_NAME=shop');
    expect(env).toContain('GH_OST_TARGET_HOST=db2');
    expect(env).toMatch(/^PATH=/m);
    expect(env).not.toMatch(/s3cret|MOVE_TABLES_/);
    recordFault(
      "hook environment with cluster URLs and password variables in the worker's",
      'hooks see the GH_OST_* variables and a short allow-list only',
      'no MOVE_TABLES_* variable and no password in the hook environment; PATH present',
    );
  });

  it('get every table name exactly, a comma or a quote in it included', async () => {
    const { dir, out } = hooksDir('printf "%s\\n%s" "$GH_OST_TABLE_NAMES_JSON" "$GH_OST_OLD_TABLE_NAMES_JSON" > $OUT');
    const tables = ['a,b', "it's `x`", 'zählung'];
    const oldTables = tables.map((t) => `_${t}_del`);
    await new MockActivityEnvironment().run(() => runHooks(clusters, dir, { ...request, tables, oldTables }));
    const [names, oldNames] = readFileSync(out, 'utf8').split('\n');
    expect(JSON.parse(names!)).toEqual(tables);
    expect(JSON.parse(oldNames!)).toEqual(oldTables);
  });

  it('end with their step: a cancelled step kills the hook and what it started', async () => {
    const { dir, out } = hooksDir('sleep 60 & echo $! > $OUT.child; echo $$ > $OUT; wait');
    const env = new MockActivityEnvironment();
    const step = env.run(() => runHooks(clusters, dir, { ...request, timeoutMs: 60_000 }));
    // A whole line in $OUT: the hook wrote its pid after its child's (a file can exist before its line is in it).
    const line = (file: string) => readFileSync(file, 'utf8').match(/^(\d+)\n$/)?.[1];
    const hook = Number(await eventually('the hook to write its pid', async () => line(out), { intervalMs: 20 }));
    const child = Number(line(`${out}.child`));
    expect(running(hook) && running(child)).toBe(true);
    env.cancel();
    await expect(step).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 200));
    expect(running(hook)).toBe(false);
    expect(running(child)).toBe(false);
    recordFault(
      'a hook step cancelled while the hook and its child run',
      'the hook process group ends with its step',
      'hook and the process it started both ended',
    );
  });
});
