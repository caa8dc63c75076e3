// Move metrics from the activities, on the SDK's metric meter: they reach the worker's existing
// Prometheus endpoint (MOVE_TABLES_METRICS_PORT) with the SDK's own tags (namespace, task queue,
// activity type) plus the move's stream id. Names follow gh-ost's and Prometheus' conventions.
import { Context } from '@temporalio/activity';

function meter(streamId: string) {
  return Context.current().metricMeter.withTags({ move: streamId });
}

export function countRowsCopied(streamId: string, table: string, rows: number): void {
  meter(streamId)
    .createCounter('move_tables_rows_copied', 'rows', 'Rows the copy wrote to the target')
    .add(rows, { table });
}

export function countEventsApplied(streamId: string, rows: number): void {
  meter(streamId)
    .createCounter('move_tables_stream_events_applied', 'rows', 'Row events the stream applied to the target')
    .add(rows);
}

export function setStreamLag(streamId: string, lagMs: number): void {
  meter(streamId)
    .createGauge('move_tables_stream_lag_ms', 'int', 'ms', 'How far the stream trails the source binlog')
    .set(Math.round(lagMs));
}

/** T1's RENAME statement (or its compensation), lock wait included. */
export function recordRenameDuration(source: string, database: string, direction: string, ms: number): void {
  Context.current()
    .metricMeter.withTags({ source, database })
    .createHistogram('move_tables_rename_duration_ms', 'int', 'ms', 'RENAME TABLE on the source, lock wait included')
    .record(Math.round(ms), { direction });
}
