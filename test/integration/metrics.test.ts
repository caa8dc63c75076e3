// Move metrics on the worker's Prometheus endpoint: scraped during a move, they change as the
// move does (rows copied, events applied, stream lag, the cutover's attempts, steps and window).
import type { Client } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { startOneWayMove } from '../support/one-way-move.js';
import { releaseCutOverSignal } from '../../contract/definitions.js';
import { freePort } from '../../dev/stack/processes.js';
import { cleanupAfterEach } from '../support/cleanups.js';
import { holdCopy } from '../support/copy-progress.js';
import { recordFault } from '../support/fault-report.js';
import { createSourceTable } from '../support/move-fixture.js';
import { spawnWorkerProcess, temporalClient, testEnv, uniqueName } from '../support/stack.js';
import { eventually, moveReaches } from '../support/waiting.js';

let client: Client;
const defer = cleanupAfterEach();
beforeAll(async () => {
  client = await temporalClient();
});

/** Sum of a metric's samples whose labels contain every `labels` pair. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const all = match[2] ?? '';
    if (!Object.entries(labels).every(([k, v]) => all.includes(`${k}="${v}"`))) continue;
    sum = (sum ?? 0) + Number(match[3]);
  }
  return sum;
}

describe('move metrics', () => {
  it('change on the Prometheus endpoint as a move copies, streams and cuts over', async () => {
    const port = await freePort();
    const taskQueue = uniqueName('metrics');
    const worker = await spawnWorkerProcess(
      testEnv({ MOVE_TABLES_METRICS_PORT: String(port), MOVE_TABLES_TASK_QUEUE: taskQueue }),
    );
    defer(() => worker.stop());
    const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const { database, source } = await createSourceTable('metrics', 30_000);
    defer(() => source.end());

    const handle = await startOneWayMove(
      client,
      { source: 'source', target: 'target', database, tables: ['t'], postpone: true, chunkSize: 500 },
      taskQueue,
    );
    const copied = (text: string) => sample(text, 'move_tables_rows_copied', { table: 't' }) ?? 0;
    // Two scrapes that see the copy grow: one while it is held part-way, one after.
    const held = await holdCopy(database, 2_000, defer);
    const first = await eventually('rows copied to show', async () => {
      const n = copied(await scrape());
      return n > 0 ? n : undefined;
    });
    expect(first).toBeLessThan(30_000);
    await held.release();
    await eventually('rows copied to grow', async () => (copied(await scrape()) > first ? true : undefined));

    await moveReaches(handle, 'the postpone gate', (s) => s.cutOver?.postponed === true);
    await source.query(
      `INSERT INTO ${database}.t (id, v, n) SELECT seq + 30000, 'x', seq FROM ${database}.seq_1_to_100`,
    );
    const atGate = await eventually('stream events to show', async () => {
      const text = await scrape();
      return (sample(text, 'move_tables_stream_events_applied') ?? 0) >= 100 ? text : undefined;
    });
    expect(copied(atGate)).toBe(30_000);
    expect(sample(atGate, 'move_tables_stream_lag_ms')).toBeGreaterThanOrEqual(0);

    await handle.signal(releaseCutOverSignal);
    await handle.result();
    const after = await eventually('the cutover metrics', async () => {
      const text = await scrape();
      return sample(text, 'move_tables_cutover_attempts', { outcome: 'completed' }) === 1 ? text : undefined;
    });
    expect(sample(after, 'move_tables_cutover_step_duration_ms_count', { step: 'T1' })).toBe(1);
    expect(sample(after, 'move_tables_cutover_step_duration_ms_count', { step: 'T3' })).toBe(1);
    expect(sample(after, 'move_tables_cutover_window_ms_count')).toBe(1);
    expect(sample(after, 'move_tables_rename_duration_ms_count', { direction: 'forward' })).toBe(1);
    recordFault(
      'Prometheus scrape of a worker during a 30,000-row move',
      'rows copied grow during the copy; events applied, lag, attempts by outcome, step and window histograms, RENAME duration',
      `rows copied ${first} → 30000; events applied ${sample(atGate, 'move_tables_stream_events_applied')}; attempts{outcome=completed} 1; window sum ${sample(after, 'move_tables_cutover_window_ms_sum')} ms`,
    );
  });
});
