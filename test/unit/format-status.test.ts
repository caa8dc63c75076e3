import { describe, expect, it } from 'vitest';
import { formatStatus } from '../../client/format-status.js';
import type { MoveStatus } from '../../contract/move.js';

const base: MoveStatus = {
  phase: 'cutover',
  paused: false,
  chunkSize: 5_000,
  tables: {},
  rowsCopied: 1_000,
  estimatedRows: 1_000,
  rowsPerSecond: 500,
  streamWorkflowId: 'move:x/stream',
  cutOverWorkflowId: 'move:x/cutover/2',
};

describe('move-tables status line', () => {
  it('names the attempt and the step, and says how to proceed at the gate', () => {
    const atGate: MoveStatus = {
      ...base,
      attempts: [{ attempt: 1, workflowId: 'move:x/cutover/1', startedAt: '', outcome: 'running' }],
      cutOver: { step: 'postponed', postponed: true, released: false },
    };
    expect(formatStatus(atGate)).toMatch(/cutover attempt 1 postponed \(postponed: release to proceed\)/);
    // Once the move has failed (or was cancelled) at its gate, nothing waits for a release.
    expect(formatStatus({ ...atGate, phase: 'failed', lastError: 'the binlog stream failed' })).not.toMatch(/release/);
  });

  it('says when the copy builds the secondary keys it deferred, in place of its rate', () => {
    const line = formatStatus({ ...base, phase: 'copy', deferredKeys: { state: 'adding', keys: 1, tables: 1 } });
    expect(line).toContain('building the 1 secondary key(s) the copy deferred, on 1 table(s)');
    expect(line).not.toContain('rows/s');
  });

  it('says a holding move has its tables renamed, and what to do', () => {
    const line = formatStatus({
      ...base,
      phase: 'holding',
      hold: {
        reason: 'attempt 1 left the source tables renamed: drain timed out',
        since: '',
        renamedTables: ['shop._orders_del'],
      },
      lastError: 'drain timed out',
    });
    expect(line).toContain(
      'HOLDING: attempt 1 left the source tables renamed: drain timed out; source tables RENAMED (shop._orders_del): writes to them fail; retry or abort',
    );
  });

  it('shows a failing stream and the next attempt', () => {
    const line = formatStatus({
      ...base,
      phase: 'cutover-wait',
      nextAttemptAt: '2026-11-24T16:00:00.000Z',
      stream: { running: true, attempt: 4, lastError: 'connect ECONNREFUSED 127.0.0.1:3307', observedAt: '' },
    });
    expect(line).toContain('STREAM FAILING (attempt 4): connect ECONNREFUSED 127.0.0.1:3307');
    expect(line).toContain('next attempt at 2026-11-24T16:00:00.000Z');
  });

  it('shows a verification at one position: its progress with rate and ETA, then the keys that differ', () => {
    const verification: NonNullable<MoveStatus['verification']> = {
      trigger: 'before-cutover',
      direction: 'source → target',
      state: 'comparing',
      pass: 1,
      startedAt: '',
      rowsCompared: 250_000,
      estimatedRows: 1_000_000,
      rowsPerSecond: 50_000,
      etaSeconds: 15,
      snapshots: 3,
      resumedChunks: 0,
      differences: {},
    };
    expect(formatStatus({ ...base, phase: 'verify', verification })).toContain(
      'verification before the cutover: 250,000 of ~1,000,000 rows compared · 50,000 rows/s · ETA 15 s',
    );
    const differs = formatStatus({
      ...base,
      phase: 'holding',
      verification: {
        ...verification,
        state: 'differs',
        position: '0-1-42',
        differences: { orders: { chunks: 2, keys: [[7], [9]] } },
      },
    });
    expect(differs).toContain(
      'verification before the cutover found differences at source position 0-1-42: `orders` 2 chunk(s), keys [[7],[9]]',
    );
    const refused = formatStatus({
      ...base,
      phase: 'copy',
      verification: { ...verification, trigger: 'on-demand', state: 'refused', reason: 'the copy is not done' },
    });
    expect(refused).toContain('verifyMove (source → target) not run: the copy is not done');
  });
});
