// A parallel copy on real servers under write load, held back by a busy source (against a low history
// limit) so that it continues as new mid-copy: the next run resumes every key range where the target says it stood,
// restarts the stream from its stored position, and the move ends with parity.
import { describe, expect, it } from 'vitest';
import { startOneWayMove } from '../support/one-way-move.js';
import { moveStatusQuery } from '../../contract/definitions.js';
import { cleanupAfterEach } from '../support/cleanups.js';
import { copyProgress, rowsCopied } from '../support/copy-progress.js';
import { saveHistory } from '../support/histories.js';
import { allRows, createSourceTable } from '../support/move-fixture.js';
import { sourceWriteLoad, sql, startWorker, temporalClient, uniqueName } from '../support/stack.js';
import { eventually } from '../support/waiting.js';

const defer = cleanupAfterEach();

const BUSY_SOURCE_THREADS = 12;
const BUSY_SOURCE_SECONDS = 11;

/** Keeps BUSY_SOURCE_THREADS source sessions running a query for `seconds`: the server's Threads_running. */
async function busySource(seconds: number): Promise<void> {
  const sessions = await Promise.all(Array.from({ length: BUSY_SOURCE_THREADS }, () => sql('source')));
  try {
    await Promise.all(sessions.map((s) => s.query('SELECT SLEEP(?)', [seconds])));
  } finally {
    await Promise.all(sessions.map((s) => s.end()));
  }
}

describe('a long parallel copy', () => {
  it('copies key ranges at once, continues as new mid-copy, and ends with parity under writes', async () => {
    const client = await temporalClient();
    const { database, source } = await createSourceTable('long', 300_000);
    defer(() => source.end());
    await source.query(`ANALYZE TABLE ${database}.t`);
    const target = await sql('target');
    defer(() => target.end());
    const taskQueue = uniqueName('q');
    const worker = await startWorker({ taskQueue });
    defer(() => worker.stop());
    const load = sourceWriteLoad(database, 200);

    const handle = await startOneWayMove(
      client,
      {
        source: 'source',
        target: 'target',
        database,
        tables: ['t'],
        chunkSize: 20,
        copyConcurrency: 4,
        historyEventsBeforeContinueAsNew: 40,
        maxThreadsRunning: { source: BUSY_SOURCE_THREADS - 2 },
      },
      taskQueue,
    );
    // Every range mid-copy waits out a busy source (the copy's throttle) past its slice's 10 s, so its
    // first slice ends unfinished and the hand-over comes, however fast the copy runs on this machine.
    await eventually('4,000 rows copied', async () =>
      rowsCopied(await copyProgress(target, database)) >= 4_000 ? true : undefined,
    );
    await busySource(BUSY_SOURCE_SECONDS);
    const result = await handle.result();
    const stats = await load.stop();
    expect(stats.errors).toEqual([]);
    expect(result.verify).toMatchObject({ ok: true });
    expect(await allRows(target, database, 't')).toEqual(await allRows(source, database, '_t_del'));

    const first = client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
    expect((await first.describe()).status.name).toBe('CONTINUED_AS_NEW');
    // Parallel ranges and the hand-over: later workflow changes replay this run.
    await saveHistory('move-parallel-copy-continued-as-new', first);
    const status = await handle.query(moveStatusQuery);
    expect(status.previousRuns).toBeGreaterThanOrEqual(1);
    const ranges = await copyProgress(target, database);
    expect(ranges.map((r) => [r.rangeNo, r.done])).toEqual([
      [0, true],
      [1, true],
      [2, true],
      [3, true],
    ]);
    expect(rowsCopied(ranges)).toBe(result.rowsCopied);
    expect(status.rowsCopied).toBe(result.rowsCopied);
  });
});
