// A worker process that dies between T2 and T3 loses nothing: the replacement resumes the
// drain with the drain GTID from history, and the RENAME is not sent again.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/cleanups.js';
import { cutOver } from '../../workflows/cutover.js';
import { cutOverStatusQuery } from '../../contract/definitions.js';
import {
  allRows,
  createMoveFixture,
  renamesInSourceBinlog,
  startStream,
  streamRegistered,
  tableNames,
} from '../support/move-fixture.js';
import { recordFault } from '../support/fault-report.js';
import { spawnWorkerProcess, sql, temporalClient, uniqueName } from '../support/stack.js';
import { eventually, statusReaches } from '../support/waiting.js';

const defer = cleanupAfterEach();
const delayingWorker = fileURLToPath(new URL('../support/delaying-worker.ts', import.meta.url));

describe('cutOver across a lost worker', () => {
  it('resumes the drain on a new worker after SIGKILL between T2 and T3', async () => {
    const client = await temporalClient();
    const fixture = await createMoveFixture();
    const taskQueue = uniqueName('q');
    const env = { MOVE_TABLES_TASK_QUEUE: taskQueue };
    try {
      // The first worker holds T1 for 3 s before it renames: time to stall the stream first.
      const first = await spawnWorkerProcess(
        { ...env, MOVE_TABLES_TEST_DELAY: 'renameSourceTables:3000' },
        delayingWorker,
      );
      defer(() => first.stop().catch(() => undefined));
      const stream = await startStream(client, fixture, taskQueue);
      defer(async () => {
        await stream.cancel().catch(() => undefined);
      });
      await streamRegistered(fixture);
      await fixture.source.query(`INSERT INTO ${fixture.database}.t (v, n) VALUES ('before-rename', 1)`);

      const handle = await client.workflow.start(cutOver, {
        taskQueue,
        workflowId: uniqueName('cutover-crash'),
        args: [{ ...fixture.base, drainTimeoutSeconds: 90 }],
      });
      await eventually('T1 held on the first worker', async () =>
        first.output().includes('test-delay: renameSourceTables') ? true : undefined,
      );
      // The stream's state row locked on the target: the drain cannot finish while the first worker lives.
      const staller = await sql('target');
      defer(() => staller.end());
      await staller.query('BEGIN');
      await staller.query('SELECT * FROM _move_tables.streams WHERE stream_id = ? FOR UPDATE', [fixture.streamId]);
      const status = await statusReaches(
        'the drain (T3)',
        () => handle.query(cutOverStatusQuery),
        (s) => s.step === 'T3',
        { timeoutMs: 30_000, intervalMs: 50 },
      );
      const drainGtid = status.drainGtid!;
      // A GTID state: every server of the domain, the source's own last.
      expect(drainGtid).toMatch(/^(?:\d+-\d+-\d+,)*1-1-\d+$/);

      await first.kill();
      const second = await spawnWorkerProcess(env);
      defer(() => second.stop().catch(() => undefined));
      // The stream's activity moves to the new worker too (its heartbeat timed out) and resumes
      // from the position stored on the target once the lock is gone.
      await staller.query('ROLLBACK');

      const result = await handle.result();
      expect(result.drainGtid).toBe(drainGtid);
      expect(await tableNames(fixture.source, fixture.database)).toEqual(['_t_del']);
      expect(await renamesInSourceBinlog(fixture.source, fixture.database)).toHaveLength(1);
      expect(await allRows(fixture.target, fixture.database, 't')).toEqual(
        await allRows(fixture.source, fixture.database, '_t_del'),
      );
      expect(await stream.result()).toMatchObject({ stoppedBecause: 'cut-over-complete' });

      // History: T1 scheduled once; T3 finished on a later attempt, on the second worker.
      const { events } = await handle.fetchHistory();
      const scheduled = (events ?? []).filter((e) => e.activityTaskScheduledEventAttributes);
      const types = scheduled.map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);
      expect(types.filter((t) => t === 'renameSourceTables')).toHaveLength(1);
      const drainScheduled = scheduled.find(
        (e) => e.activityTaskScheduledEventAttributes!.activityType!.name === 'awaitDrain',
      )!;
      const drainStarted = (events ?? []).find(
        (e) =>
          e.activityTaskStartedEventAttributes?.scheduledEventId?.toString() === drainScheduled.eventId?.toString(),
      );
      expect(drainStarted!.activityTaskStartedEventAttributes!.attempt).toBeGreaterThanOrEqual(2);
      recordFault(
        'SIGKILL worker mid-drain (between T2 and T3)',
        'new worker resumes T3 with the drain GTID from history; RENAME once',
        `completed with the same drain GTID ${drainGtid}; T3 finished on attempt ${drainStarted!.activityTaskStartedEventAttributes!.attempt}; 1 RENAME`,
      );
    } finally {
      await fixture.close();
    }
  });
});
