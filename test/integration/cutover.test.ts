// The cooperative cutover (T0-T6) on real servers: two MariaDB servers, the Temporal dev
// server, a real worker, real hook scripts, and the binlog stream applying to the target.
import type { Client } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/cleanups.js';
import { cutOver } from '../../workflows/cutover.js';
import type { CutOverInput } from '../../contract/cutover.js';
import { cutOverStatusQuery, releaseCutOverSignal } from '../../contract/definitions.js';
import {
  allRows,
  createMoveFixture,
  cutOverFlag,
  recordingHooks,
  renamesInSourceBinlog,
  startStream,
  streamRegistered,
  fenceTableNames,
  tableNames,
} from '../support/move-fixture.js';
import { recordFault } from '../support/fault-report.js';
import { saveHistory } from '../support/histories.js';
import { startWorker, temporalClient, uniqueName } from '../support/stack.js';
import { failureOf, statusReaches } from '../support/waiting.js';
import { resumePosition } from '../../activities/stream/gtid.js';

let client: Client;
const defer = cleanupAfterEach();

beforeAll(async () => {
  client = await temporalClient();
});

/** A fixture, a worker with recording hooks, and a running stream. */
async function scenario(options: { hooks?: Parameters<typeof recordingHooks>[0]; stream?: boolean } = {}) {
  const fixture = await createMoveFixture();
  defer(() => fixture.close());
  const hooks = recordingHooks(options.hooks);
  const taskQueue = uniqueName('q');
  const worker = await startWorker({ taskQueue, hooksDir: hooks.dir });
  defer(() => worker.stop());
  const stream = await startStream(client, fixture, taskQueue);
  defer(async () => {
    await stream.cancel().catch(() => undefined);
  });
  await streamRegistered(fixture);
  if (options.stream === false) {
    await stream.cancel();
    await stream.result().catch(() => undefined);
  }
  const run = (input: Partial<CutOverInput> = {}, workflowId = uniqueName('cutover')) =>
    client.workflow.start(cutOver, {
      taskQueue,
      workflowId,
      args: [{ ...fixture.base, drainTimeoutSeconds: 30, ...input }],
    });
  return { fixture, hooks, stream, run, taskQueue };
}

describe('cutOver', () => {
  it('noop short-circuits: no hooks, no flag, no rename', async () => {
    const { fixture, hooks, run } = await scenario();
    const result = await (await run({ noop: true })).result();
    expect(result).toMatchObject({ noop: true, renamedTables: [], hooksRun: [] });
    expect(hooks.lines()).toEqual([]);
    expect((await cutOverFlag(fixture)).complete).toBe(false);
    expect(await tableNames(fixture.source, fixture.database)).toEqual(['t']);
  });

  it('aborts before any RENAME when the on-before-cut-over hook fails', async () => {
    const { fixture, hooks, run } = await scenario({ hooks: { failing: ['on-before-cut-over'] } });
    const message = await failureOf((await run()).result());
    expect(message).toMatch(
      /^CutOverFailed: cutover failed at T0: hook gh-ost-on-before-cut-over exited with code 3; stderr: refusing: mv_/,
    );
    expect(message).toContain('nothing was renamed');
    expect(await tableNames(fixture.source, fixture.database)).toEqual(['t']);
    expect(await renamesInSourceBinlog(fixture.source, fixture.database)).toEqual([]);
    expect(hooks.names()).toEqual(['gh-ost-on-before-cut-over', 'gh-ost-on-failure']);
    expect((await cutOverFlag(fixture)).complete).toBe(false);
    recordFault(
      'on-before-cut-over hook exits 3 at T0',
      'cutover stops before any RENAME',
      'CutOverFailed at T0 with exit code and stderr; no RENAME in the binlog; flag not set',
    );
  });

  it('fails a hook that hangs past its timeout, before any RENAME', async () => {
    const { fixture, hooks, run } = await scenario({ hooks: { hang: ['on-before-cut-over'] } });
    const started = Date.now();
    const message = await failureOf((await run({ hookTimeoutSeconds: 1 })).result());
    expect(message).toMatch(
      /^CutOverFailed: cutover failed at T0: hook gh-ost-on-before-cut-over timed out after 1000 ms/,
    );
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(hooks.names()).toEqual(['gh-ost-on-before-cut-over', 'gh-ost-on-failure']);
    expect(await tableNames(fixture.source, fixture.database)).toEqual(['t']);
    recordFault(
      'hook hangs past its timeout (T0)',
      'hook killed at the timeout; cutover stops before any RENAME',
      'CutOverFailed at T0 "timed out after 1000 ms"; source unchanged; on-failure ran',
    );
  });

  it('postpones: fires on-begin-postponed once, waits for the signal, then proceeds', async () => {
    const { fixture, hooks, run } = await scenario();
    const handle = await run({ postpone: true });
    await statusReaches(
      'the gate',
      () => handle.query(cutOverStatusQuery),
      (s) => s.step === 'postponed' && s.postponed,
    );
    // Still waiting a while later, hook fired exactly once, nothing renamed.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await handle.query(cutOverStatusQuery)).toMatchObject({
      step: 'postponed',
      postponed: true,
      released: false,
    });
    expect(hooks.names()).toEqual(['gh-ost-on-begin-postponed']);
    expect(await tableNames(fixture.source, fixture.database)).toEqual(['t']);
    await handle.signal(releaseCutOverSignal);
    const result = await handle.result();
    expect(result.hooksRun).toEqual(['gh-ost-on-begin-postponed', 'gh-ost-on-before-cut-over', 'gh-ost-on-success']);
    expect(hooks.names()).toEqual(result.hooksRun);
    expect(result.stepDurationsMs.postponed).toBeGreaterThanOrEqual(1_500);
  });

  it('happy path: hooks in order, source renamed, drain GTID reported, flag set, target holds every row', async () => {
    const { fixture, hooks, stream, run } = await scenario();
    // Writes after the stream started: only the stream can bring them to the target.
    await fixture.source.query(`INSERT INTO ${fixture.database}.t (v, n) VALUES ('late-1', 1), ('late-2', 2)`);
    await fixture.source.query(`UPDATE ${fixture.database}.t SET v = 'changed' WHERE id = 5`);
    await fixture.source.query(`UPDATE ${fixture.database}.t SET id = 1000 WHERE id = 6`);
    await fixture.source.query(`DELETE FROM ${fixture.database}.t WHERE id = 7`);
    const handle = await run();
    const result = await handle.result();

    const [pos] = await fixture.source.query<import('mysql2').RowDataPacket[]>(
      'SELECT @@global.gtid_binlog_pos AS pos',
    );
    // The drain GTID is the source's GTID state; its last GTID per domain is the source's position.
    expect(resumePosition(result.drainGtid!)).toBe(String(pos[0]!.pos));
    expect(result.renamedTables).toEqual([{ from: `${fixture.database}.t`, to: `${fixture.database}._t_del` }]);
    // Readiness is checked before on-before-cut-over and again right before T1 (one entry, the last).
    expect(Object.keys(result.stepDurationsMs)).toEqual(['validate', 'ready', 'T0', 'T1', 'T2', 'T3', 'T4', 'T5']);
    expect(result.cutoverWindowMs).toBeGreaterThan(0);
    expect(hooks.names()).toEqual(['gh-ost-on-before-cut-over', 'gh-ost-on-success']);
    const successLine = hooks.lines()[1]!;
    expect(successLine).toContain(`drain=${result.drainGtid}`);
    expect(successLine).toMatch(new RegExp(`table=t old=_t_del target=127\\.0\\.0\\.1:\\d+/${fixture.database}`));

    expect(await tableNames(fixture.source, fixture.database)).toEqual(['_t_del']);
    // The attempt's fence, renamed to its forward claim by the same RENAME.
    expect(await fenceTableNames(fixture.source, fixture.database)).toEqual([
      expect.stringMatching(/^_mt_fence_[0-9a-f]{16}_fwd$/),
    ]);
    expect(await cutOverFlag(fixture)).toEqual({ complete: true, drainGtid: result.drainGtid });
    const sourceRows = await allRows(fixture.source, fixture.database, '_t_del');
    expect(sourceRows).toHaveLength(101);
    expect(await allRows(fixture.target, fixture.database, 't')).toEqual(sourceRows);
    expect(await stream.result()).toMatchObject({ stoppedBecause: 'cut-over-complete' });
    await saveHistory('cutover-happy-path', handle);
  });

  it('propagates a RENAME failure: flag not set, no on-success, source unchanged', async () => {
    const { fixture, hooks, run } = await scenario();
    // An open transaction holding the table's metadata lock makes the RENAME time out.
    await fixture.source.query('BEGIN');
    await fixture.source.query(`SELECT * FROM ${fixture.database}.t LIMIT 1`);
    try {
      // The readiness gate would stop this attempt before T1 (the transaction is older than the
      // default limit, the lock wait): this test is about the RENAME itself failing.
      const message = await failureOf(
        (await run({ lockWaitTimeoutSeconds: 1, maxTransactionAgeSeconds: 60 })).result(),
      );
      expect(message).toMatch(
        /^CutOverFailed: cutover failed at T1: RENAME on source \(move_tables@127\.0\.0\.1:\d+\) failed: Lock wait timeout exceeded/,
      );
      expect(message).toContain('were not renamed');
    } finally {
      await fixture.source.query('ROLLBACK');
    }
    expect((await cutOverFlag(fixture)).complete).toBe(false);
    expect(hooks.names()).toEqual(['gh-ost-on-before-cut-over', 'gh-ost-on-failure']);
    expect(await tableNames(fixture.source, fixture.database)).toEqual(['t']);
  });

  it('propagates a drain timeout and compensates: tables renamed back, source writable', async () => {
    // No stream runs, so the RENAME's GTID can never be applied on the target.
    const { fixture, hooks, run } = await scenario({ stream: false });
    const handle = await run({ drainTimeoutSeconds: 2 });
    const message = await failureOf(handle.result());
    expect(message).toMatch(
      /^CutOverFailed: cutover failed at T3: drain timed out after 2000 ms: the target applied (?:\d+-\d+-\d+,)*1-1-\d+ but the drain GTID is (?:\d+-\d+-\d+,)*1-1-\d+; compensated: the tables were renamed back/,
    );
    expect(await tableNames(fixture.source, fixture.database)).toEqual(['t']);
    await fixture.source.query(`INSERT INTO ${fixture.database}.t (v, n) VALUES ('after-rollback', 0)`);
    expect((await cutOverFlag(fixture)).complete).toBe(false);
    expect(hooks.names()).toEqual(['gh-ost-on-before-cut-over', 'gh-ost-on-failure']);
    expect(hooks.lines()[1]).toContain('failure=cutover failed at T3: drain timed out');
    const renames = await renamesInSourceBinlog(fixture.source, fixture.database);
    expect(renames).toHaveLength(2);
    expect(renames[0]).toMatch(/:forward \*\/ RENAME TABLE/);
    expect(renames[1]).toMatch(/:back \*\/ RENAME TABLE/);
    await saveHistory('cutover-drain-timeout-compensated', handle);
    recordFault(
      'drain that cannot complete (stream stopped)',
      'T3 times out; compensation renames back; source writable',
      'CutOverFailed at T3; renamed back (2 RENAMEs: forward, back); insert into the source succeeded; flag not set',
    );
  });

  it('holds instead of compensating when asked', async () => {
    const { fixture, run } = await scenario({ stream: false });
    const message = await failureOf((await run({ drainTimeoutSeconds: 1, onFailure: 'hold' })).result());
    expect(message).toContain('held: the source tables stay renamed (_t_del)');
    expect(await tableNames(fixture.source, fixture.database)).toEqual(['_t_del']);
  });

  it('rejects bad input before any change', async () => {
    const { fixture, hooks, run } = await scenario();
    const cases: Array<[Partial<CutOverInput>, RegExp]> = [
      [{ source: 'nowhere' }, /UnknownCluster: unknown cluster "nowhere"; this worker knows: source, target/],
      [{ tables: ['missing'] }, /MissingTable: table mv_\w+\.missing does not exist on source/],
      // A legal name when quoted: it is looked up (and quoted), never run.
      [
        { tables: ['t`; DROP TABLE t; --'] },
        /MissingTable: table mv_\w+\.t`; DROP TABLE t; -- does not exist on source/,
      ],
      [{ tables: ['t '] }, /InvalidInput: table "t " ends with a space/],
      [{ database: 'x'.repeat(65) }, /InvalidInput: "database" .* 65 characters/],
      [{ drainTimeoutSeconds: 0 }, /InvalidInput: "drainTimeoutSeconds" must be a positive number, got 0/],
      [{ drainPollIntervalMs: -5 }, /InvalidInput: "drainPollIntervalMs" must be a positive number/],
    ];
    for (const [input, expected] of cases) {
      expect(await failureOf((await run(input)).result())).toMatch(expected);
    }
    await fixture.source.query(`CREATE TABLE ${fixture.database}.nokey (a INT)`);
    expect(await failureOf((await run({ tables: ['nokey'] })).result())).toMatch(
      /NoPrimaryKey: table mv_\w+\.nokey on source .* has no primary key and no unique key of NOT NULL columns/,
    );
    expect(hooks.lines()).toEqual([]);
    expect(await tableNames(fixture.source, fixture.database)).toEqual(['nokey', 't']);
  });
});
