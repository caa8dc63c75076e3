// One line of human-readable move status, with a progress bar: what `move-tables status` and the
// demo print.
import type { MoveStatus } from '../contract/move.js';
import { deferredKeysText, standbyText, verificationText } from '../contract/move-details.js';

const BAR_WIDTH = 24;

export function progressBar(done: number, total: number): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(fraction * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%`;
}

export function formatStatus(status: MoveStatus): string {
  const parts = [
    `${status.phase.padEnd(8)}`,
    progressBar(status.rowsCopied, status.estimatedRows),
    `${status.rowsCopied}/${status.estimatedRows} rows`,
  ];
  const keys = deferredKeysText(status);
  if (keys) parts.push(keys);
  else if (status.phase === 'copy')
    parts.push(
      `${status.rowsPerSecond} rows/s`,
      `ETA ${status.etaSeconds === undefined ? '?' : `${status.etaSeconds} s`}`,
    );
  if (status.paused) parts.push('PAUSED');
  if (status.streamLagMs !== undefined) parts.push(`stream lag ${status.streamLagMs} ms`);
  if (status.stream?.lastError)
    parts.push(`STREAM FAILING (attempt ${status.stream.attempt}): ${status.stream.lastError}`);
  const verification = verificationText(status);
  if (verification) parts.push(verification);
  const attempt = status.attempts?.at(-1);
  // A move that has ended waits for nothing: its last gate is history.
  const ended = status.phase === 'done' || status.phase === 'failed' || status.phase === 'cancelled';
  if (status.cutOver || attempt) {
    const step = status.cutOver?.step ?? attempt?.step ?? '?';
    parts.push(
      `cutover${attempt ? ` attempt ${attempt.attempt}` : ''} ${step}${status.cutOver?.postponed && !ended ? ' (postponed: release to proceed)' : ''}`,
    );
  }
  if (status.nextAttemptAt) parts.push(`next attempt at ${status.nextAttemptAt}`);
  const standby = standbyText(status);
  if (standby) parts.push(standby);
  if (status.phase === 'on-target')
    parts.push(`revert to switch back, complete to finish (by itself at ${status.standby?.completeAt})`);
  if (status.phase === 'on-source')
    parts.push(`release to cut over again, complete to finish (by itself at ${status.standby?.completeAt})`);
  if (status.hold) {
    const renamed = status.hold.renamedTables.length
      ? `source tables RENAMED (${status.hold.renamedTables.join(', ')}): writes to them fail`
      : 'source unchanged';
    parts.push(`HOLDING: ${status.hold.reason}; ${renamed}; retry or abort`);
  } else if (status.lastError) {
    parts.push(`error: ${status.lastError}`);
  }
  for (const warning of status.warnings ?? []) parts.push(`warning: ${warning}`);
  return parts.join('  ');
}
