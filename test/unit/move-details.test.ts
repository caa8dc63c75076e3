// The move's "Current details" text in the states an operator must act on, and names that must
// not turn into markdown formatting.
import { describe, expect, it } from 'vitest';
import { described, moveStatusQuery, pauseSignal } from '../../contract/definitions.js';
import * as definitions from '../../contract/definitions.js';
import { code, moveDetails, thousands } from '../../contract/move-details.js';
import type { MoveStatus } from '../../contract/move.js';
import { normalizeTables } from '../../contract/tables.js';

const tables = normalizeTables({ source: 'eu', target: 'us', database: 'shop', tables: ['_tmp_', 'a`b'] });

function status(overrides: Partial<MoveStatus>): MoveStatus {
  return {
    phase: 'copy',
    paused: false,
    chunkSize: 5_000,
    tables: {},
    rowsCopied: 1_234_567,
    estimatedRows: 5_000_000,
    rowsPerSecond: 98_765,
    etaSeconds: 38,
    streamWorkflowId: 's',
    cutOverWorkflowId: 'c',
    ...overrides,
  };
}

describe('move details', () => {
  it('copy: progress with rate and ETA, stream lag; names as code spans', () => {
    expect(moveDetails(tables, status({ streamLagMs: 12, appliedGtid: '1-1-99' }))).toBe(
      [
        '**copy** · `shop._tmp_`, ``shop.a`b`` eu → us',
        '',
        '- rows copied: 1,234,567 of ~5,000,000 (24%) · 98,765 rows/s · ETA 38 s',
        '- stream: lag 12 ms · applied 1-1-99',
      ].join('\n'),
    );
  });

  it('copy: the deferred secondary keys being built once the rows are in', () => {
    const building = status({
      rowsCopied: 5_000_000,
      deferredKeys: { state: 'adding', keys: 3, tables: 2 },
    });
    expect(moveDetails(tables, building)).toContain(
      '- rows copied: 5,000,000 of ~5,000,000 (100%) · building the 3 secondary key(s) the copy deferred, on 2 table(s)',
    );
    const built = status({ phase: 'catch-up', deferredKeys: { state: 'added', keys: 3, tables: 2, seconds: 4 } });
    expect(moveDetails(tables, built)).not.toContain('secondary key');
  });

  it('names the action that unblocks a paused copy, a wait between attempts and a hold', () => {
    expect(moveDetails(tables, status({ paused: true }))).toContain('- **next: copy paused: send signal resume**');
    expect(moveDetails(tables, status({ phase: 'cutover-wait', nextAttemptAt: '2026-11-30T10:00:00.000Z' }))).toContain(
      'next cutover attempt at 2026-11-30T10:00:00.000Z: send signal retryCutOver to try now',
    );
    const holding = moveDetails(
      tables,
      status({
        phase: 'holding',
        hold: { reason: 'attempt 2 left the source tables renamed', since: 'x', renamedTables: ['shop._x_del'] },
      }),
    );
    expect(holding).toContain('the source tables are RENAMED (`shop._x_del`) and writes to them fail');
    expect(holding).toContain('send signal retryCutOver, or cancel the move');
  });

  it('a failing stream and a failed move say so; warnings are listed', () => {
    const failing = moveDetails(
      tables,
      status({
        stream: { running: true, attempt: 3, lastError: 'ECONNREFUSED', observedAt: 'x' },
        warnings: ['view v'],
      }),
    );
    expect(failing).toContain('- stream FAILING (attempt 3): ECONNREFUSED');
    expect(failing).toContain('- warning: view v');
    const failed = moveDetails(tables, status({ phase: 'failed', lastError: 'RowRejected: …' }));
    expect(failed).toContain('- error: RowRejected: …');
    expect(failed).not.toContain('next:');
  });

  it('formats without Intl, and fences code spans around backticks', () => {
    expect(thousands(0)).toBe('0');
    expect(thousands(999)).toBe('999');
    expect(thousands(1_000)).toBe('1,000');
    expect(code('`x')).toBe('`` `x ``');
  });

  it('every signal and query the workflows define carries a description', () => {
    const defs = (Object.values(definitions) as unknown[]).filter(
      (d): d is { type: 'signal' | 'query'; name: string } =>
        typeof d === 'object' && d !== null && 'type' in d && (d.type === 'signal' || d.type === 'query'),
    );
    expect(defs.length).toBeGreaterThanOrEqual(8);
    for (const d of defs) expect(described(d).description, d.name).not.toBe(d.name);
    expect(described(moveStatusQuery).description).toMatch(/phase/);
    expect(described(pauseSignal).description).toMatch(/copy/);
  });
});
