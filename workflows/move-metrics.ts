// Cutover metrics from the workflows, on the SDK's workflow metric meter (emitted by the worker,
// never during replay): attempts by outcome, each step's duration and the cutover window.
import { metricMeter } from '@temporalio/workflow';

export function countCutOverAttempt(outcome: 'completed' | 'failed'): void {
  metricMeter
    .createCounter('move_tables_cutover_attempts', 'attempts', 'Cutover attempts by outcome')
    .add(1, { outcome });
}

export function recordCutOverStep(step: string, ms: number): void {
  metricMeter
    .createHistogram('move_tables_cutover_step_duration_ms', 'int', 'ms', 'Duration of each cutover step')
    .record(Math.round(ms), { step });
}

/** T1 start to T4 done: how long the moved tables take no writes. */
export function recordCutOverWindow(ms: number): void {
  metricMeter
    .createHistogram('move_tables_cutover_window_ms', 'int', 'ms', 'Cutover window, RENAME start to complete flag set')
    .record(Math.round(ms));
}
