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
});
