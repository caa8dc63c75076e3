// What operators touch: the move-tables CLI (a real subprocess), the Temporal CLI commands the
// README documents (the real `temporal` binary), and the worker process (SIGTERM, metrics, logs).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../dev/stack/paths.js';
import { freePort } from '../../dev/stack/processes.js';
import { ensureTemporal } from '../../dev/stack/prereqs.js';
import { TASK_QUEUE, type MoveStatus } from '../../contract/move.js';
import { cleanupAfterEach } from '../support/cleanups.js';
import { createSourceTable, tableNames } from '../support/move-fixture.js';
import { ownedWorker, spawnWorkerProcess, sql, stack, startWorker, uniqueName } from '../support/stack.js';
import { eventually } from '../support/waiting.js';

const run = promisify(execFile);
const defer = cleanupAfterEach();

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(...args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(
      path.join(repoRoot, 'bin/move-tables'),
      [...args, '--address', stack().temporal.address],
      { timeout: 120_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function temporal(...args: string[]): Promise<string> {
  const { stdout } = await run(ensureTemporal(), [...args, '--address', stack().temporal.address], { timeout: 60_000 });
  return stdout;
}

async function sourceTable(rows: number) {
  const table = await createSourceTable('ops', rows);
  defer(() => table.source.end());
  return table;
}

describe('move-tables CLI', () => {
  it('starts, lists, shows status, releases and follows a move; exit codes mean what the help says', async () => {
    const { database, source } = await sourceTable(5_000);
    const taskQueue = uniqueName('q');
    const worker = await startWorker({ taskQueue });
    defer(() => worker.stop());

    const started = await cli(
      'start',
      '--database',
      database,
      '--tables',
      't',
      '--postpone',
      '--one-way',
      '--task-queue',
      taskQueue,
      '--json',
    );
    expect(started.code).toBe(0);
    const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };
    expect(workflowId).toBe(`move:source/${database}/t`);

    const again = await cli('start', '--database', database, '--tables', 't', '--task-queue', taskQueue);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain(`a move of these tables is already running as workflow "${workflowId}"`);

    const postponed = await eventually('postponed cutover', async () => {
      const status = await cli('status', workflowId, '--json');
      const parsed = JSON.parse(status.stdout) as { phase: string; cutOver?: { postponed: boolean } };
      return parsed.cutOver?.postponed ? parsed : undefined;
    });
    expect(postponed.phase).toBe('cutover');
    const human = await cli('status', '--database', database, '--tables', 't');
    expect(human.stdout).toMatch(
      /^cutover\s+\[#{24}\] 100%  5000\/\d+ rows .*cutover attempt 1 postponed \(postponed: release to proceed\)/,
    );

    const listed = await cli('list', '--json');
    expect(JSON.parse(listed.stdout) as Array<{ workflowId: string; phase: string }>).toContainEqual(
      expect.objectContaining({ workflowId, phase: 'cutover' }),
    );

    expect((await cli('release', workflowId)).code).toBe(0);
    const followed = await cli('status', workflowId, '--watch');
    expect(followed.code).toBe(0);
    expect(followed.stdout).toMatch(
      /move complete: 5000 rows copied at \d+ rows\/s; cutover window \d+ ms; drain GTID (?:\d+-\d+-\d+,)*1-1-\d+; checksum MATCH/,
    );
    expect(await tableNames(source, database)).toEqual(['_t_del']);
  });

  it('runs a move, reversible by default: --wait to the cutover, status on the target, a postponed revert released, status on the source, complete dropping the standby tables', async () => {
    const { database, source } = await sourceTable(2_000);
    const target = await sql('target');
    defer(() => target.end());
    const taskQueue = await ownedWorker(defer);
    // Reversible by default: --wait follows the move to its cutover, not to its end days later.
    const started = await cli('start', '--database', database, '--tables', 't', '--task-queue', taskQueue, '--wait');
    expect(started.code).toBe(0);
    const workflowId = `move:source/${database}/t`;
    expect(started.stdout).toContain(
      `cut over: the application is on the target; the source's renamed tables are kept current until the move completes`,
    );
    expect(started.stdout).toContain(`switch back: move-tables revert '${workflowId}'`);
    const status = async () => JSON.parse((await cli('status', workflowId, '--json')).stdout) as MoveStatus;
    const phase = async () => (await status()).phase;
    expect(await phase()).toBe('on-target');
    expect((await cli('status', workflowId)).stdout).toMatch(
      /^on-target .*live on the target, the source kept current: standby stream .*revert to switch back, complete to finish \(by itself at /,
    );
    // On demand, while the move goes on: the live target against the source's renamed table.
    const verified = await cli('verify', workflowId);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/verifyMove \(target → source\): both sides equal at source position \d+-\d+-\d+/);
    // A postponed revert waits at its gate, nothing renamed, until released.
    expect((await cli('revert', workflowId, '--postpone')).code).toBe(0);
    await eventually('the revert postponed', async () => ((await status()).cutOver?.postponed ? true : undefined));
    expect((await cli('status', workflowId)).stdout).toMatch(/postponed: release to proceed/);
    expect(await tableNames(target, database)).toEqual(['t']);
    expect((await cli('release', workflowId)).code).toBe(0);
    await eventually('reverted', async () => ((await phase()) === 'on-source' ? true : undefined), {
      timeoutMs: 90_000,
    });
    expect((await cli('status', workflowId)).stdout).toMatch(
      /^on-source .*live on the source, the target kept current: .*release to cut over again, complete to finish/,
    );
    // A row changed behind the move on the standby side: verify names its key (exit 6); repaired, equal.
    const [[original]] = await target.query<mysql.RowDataPacket[]>(`SELECT v FROM ${database}._t_del WHERE id = 7`);
    await target.query(`UPDATE ${database}._t_del SET v = 'changed behind the move' WHERE id = 7`);
    const differs = await cli('verify', workflowId);
    expect(differs.code).toBe(6);
    expect(differs.stdout).toMatch(
      /verifyMove \(source → target\) found differences at source position .*`_t_del` 1 chunk\(s\), keys \[\["7"\]\]/,
    );
    await target.query(`UPDATE ${database}._t_del SET v = ? WHERE id = 7`, [original!.v]);
    expect((await cli('verify', workflowId)).code).toBe(0);
    expect((await cli('complete', workflowId, '--drop-standby-tables')).code).toBe(0);
    const followed = await cli('status', workflowId, '--watch');
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain(
      `live on the source after 1 switch(es), completed (complete); dropped ${database}._t_del`,
    );
    expect(await tableNames(source, database)).toEqual(['t']);
    expect(await tableNames(target, database)).toEqual([]);
  });

  it('aborts a move before T1: the source table stays, the move ends cancelled', async () => {
    const { database, source } = await sourceTable(1_000);
    const taskQueue = uniqueName('q');
    const worker = await startWorker({ taskQueue });
    defer(() => worker.stop());
    const { workflowId } = JSON.parse(
      (await cli('start', '--database', database, '--tables', 't', '--postpone', '--task-queue', taskQueue, '--json'))
        .stdout,
    ) as { workflowId: string };
    await eventually('postponed cutover', async () =>
      (JSON.parse((await cli('status', workflowId, '--json')).stdout) as { cutOver?: { postponed: boolean } }).cutOver
        ?.postponed
        ? true
        : undefined,
    );
    // At the gate, before anything is renamed: the source against the target.
    const verified = await cli('verify', workflowId, '--json');
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({
      trigger: 'on-demand',
      direction: 'source → target',
      state: 'equal',
    });
    expect((await cli('abort', workflowId)).code).toBe(0);
    const watched = await cli('status', workflowId, '--watch');
    expect(watched.code).toBe(1);
    expect(watched.stdout).toContain('move did not complete');
    const [tables] = await source.query<mysql.RowDataPacket[]>(
      'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
      [database],
    );
    expect(tables.map((r) => r.t)).toEqual(['t']);
  });

  it('answers bad usage, unknown moves and an unreachable Temporal with their exit codes', async () => {
    expect((await cli('start', '--tables', 't')).code).toBe(2);
    expect((await cli('start', '--database', 'd', '--tables', 't', '--chunk-size', '0')).stderr).toContain(
      '--chunk-size must be a positive integer, got "0"',
    );
    expect((await cli('frobnicate')).code).toBe(2);
    expect((await cli('status', 'move:source/nowhere/t')).code).toBe(3);
    const unreachable = await run(path.join(repoRoot, 'bin/move-tables'), [
      'list',
      '--address',
      `127.0.0.1:${await freePort()}`,
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(unreachable).toMatchObject({ code: 5 });
    expect((await cli('help')).stdout).toContain('Exit codes: 0 done; 1 the move failed');
  });
});

describe('the Temporal CLI path', () => {
  it('runs a move with temporal workflow start / query / signal, exactly as documented', async () => {
    const { database } = await sourceTable(2_000);
    const worker = await startWorker({ taskQueue: TASK_QUEUE });
    defer(() => worker.stop());
    const workflowId = `move:source/${database}/t`;
    await temporal(
      'workflow',
      'start',
      '--type',
      'moveTables',
      '--task-queue',
      'move-tables',
      '--workflow-id',
      workflowId,
      '--input',
      JSON.stringify({ source: 'source', target: 'target', database, tables: ['t'], postpone: true }),
    );
    const status = await eventually('postponed cutover', async () => {
      const out = JSON.parse(
        await temporal('workflow', 'query', '--workflow-id', workflowId, '--type', 'status', '--output', 'json'),
      ) as { queryResult: Array<{ phase: string; cutOver?: { postponed: boolean } }> };
      return out.queryResult[0]?.cutOver?.postponed ? out.queryResult[0] : undefined;
    });
    expect(status.phase).toBe('cutover');
    await temporal('workflow', 'signal', '--workflow-id', workflowId, '--name', 'releaseCutOver');
    // Reversible by default: the move stays open on the target until completed.
    await eventually('on the target', async () => {
      const out = JSON.parse(
        await temporal('workflow', 'query', '--workflow-id', workflowId, '--type', 'status', '--output', 'json'),
      ) as { queryResult: Array<{ phase: string }> };
      return out.queryResult[0]?.phase === 'on-target' ? true : undefined;
    });
    await temporal('workflow', 'signal', '--workflow-id', workflowId, '--name', 'completeMove');
    const result = JSON.parse(
      await temporal('workflow', 'result', '--workflow-id', workflowId, '--output', 'json'),
    ) as { status: string; result: { rowsCopied: number; verify: { ok: boolean } } };
    expect(result).toMatchObject({ status: 'COMPLETED', result: { rowsCopied: 2_000, verify: { ok: true } } });
  });
});

describe('worker process', () => {
  it('logs JSON lines, serves Prometheus metrics, and exits 0 on SIGTERM', async () => {
    const metricsPort = await freePort();
    const worker = await spawnWorkerProcess({
      MOVE_TABLES_TASK_QUEUE: uniqueName('q'),
      MOVE_TABLES_METRICS_PORT: String(metricsPort),
    });
    defer(() => worker.kill());
    const started = worker
      .output()
      .split('\n')
      .map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          return undefined;
        }
      })
      .find((l) => l?.msg === 'worker started');
    expect(started).toMatchObject({ level: 'INFO', clusters: ['source', 'target'], metricsPort });
    expect(worker.output()).not.toContain(
      JSON.parse((await import('node:fs')).readFileSync(stack().clustersFile, 'utf8')).clusters.source.password,
    );
    const metrics = await eventually('metrics', async () => {
      const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      const text = await response.text();
      return text.includes('temporal_') ? text : undefined;
    });
    expect(metrics).toMatch(/temporal_\w+/);
    const exit = new Promise<number | null>((resolve) => worker.child.once('exit', (code) => resolve(code)));
    const signalled = Date.now();
    worker.child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(30_000);
    expect(worker.output()).toContain('"msg":"worker stopped"');
  });
});
