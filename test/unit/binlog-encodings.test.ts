// Binlog settings whose events the stream cannot read are refused in prepare; such an event met
// in the stream fails the move at once instead of being retried (or, worse, passed by).
import { describe, expect, it } from 'vitest';
import { unreadableBinlogSetting } from '../../activities/source/server.js';
import { binlogReadError } from '../../activities/stream/stream-errors.js';

describe('binlog encodings the stream cannot read', () => {
  it('refuses compressed transactions and partial JSON updates, and only those', () => {
    const vars = (entries: Record<string, string>) => new Map(Object.entries(entries));
    expect(unreadableBinlogSetting(vars({ binlog_transaction_compression: 'ON' }))).toEqual({
      setting: 'binlog_transaction_compression is ON',
      why: expect.stringContaining('SET GLOBAL binlog_transaction_compression = OFF'),
    });
    expect(unreadableBinlogSetting(vars({ binlog_row_value_options: 'PARTIAL_JSON' }))?.setting).toBe(
      'binlog_row_value_options is PARTIAL_JSON',
    );
    expect(
      unreadableBinlogSetting(vars({ binlog_transaction_compression: 'OFF', binlog_row_value_options: '' })),
    ).toBeUndefined();
    // MariaDB's compressed events are read (zongji decompresses them): no refusal.
    expect(unreadableBinlogSetting(vars({ log_bin_compress: 'ON' }))).toBeUndefined();
  });

  it("turns zongji's unsupported-event error into a non-retryable failure naming the event", () => {
    const err = binlogReadError(
      new Error('Server sent a TRANSACTION_PAYLOAD_EVENT (binlog_transaction_compression=ON). zongji cannot decode'),
      '0-1-5',
      'source (u@h:3306)',
    ) as Error & { type?: string; nonRetryable?: boolean };
    expect(err.type).toBe('UnsupportedBinlogEvent');
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toMatch(/^the binlog of source \(u@h:3306\) holds a TRANSACTION_PAYLOAD_EVENT after 0-1-5/);
    const other = new Error('connect ECONNREFUSED');
    expect(binlogReadError(other, '0-1-5', 's')).toBe(other);
  });
});
