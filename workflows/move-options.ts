// A move's input read once: every option checked (a bad one fails the move at once, typed) and its
// default applied. Pure: workflow code.
import { CUTOVER_DEFAULTS, type CutOverInput } from '../contract/cutover.js';
import { VERIFY_MODES, type MoveTablesInput, type VerifyMode } from '../contract/move.js';
import { invalid, normalizeTables, positive } from '../contract/tables.js';

/** A reversible move's `on-target` phase at most: the history its watches add stays far under Temporal's limit. */
const MAX_COMPLETE_AFTER_SECONDS = 30 * 86_400;

/** `defaultVerify`: the mode of a move that names none (moves started before `before-cutover` keep theirs). */
export function moveOptions(input: MoveTablesInput, defaultVerify: VerifyMode) {
  const verifyMode = input.verify ?? defaultVerify;
  if (!VERIFY_MODES.includes(verifyMode))
    invalid(
      `"verify" must be one of ${VERIFY_MODES.map((m) => `"${m}"`).join(', ')}, got ${JSON.stringify(verifyMode)}`,
    );
  if (input.reversible !== undefined && typeof input.reversible !== 'boolean')
    invalid('"reversible" must be true or false');
  if (input.deferSecondaryKeys !== undefined && typeof input.deferSecondaryKeys !== 'boolean')
    invalid('"deferSecondaryKeys" must be true or false');
  const completeAfterSeconds = positive('completeAfterSeconds', input.completeAfterSeconds, 7 * 86_400);
  if (completeAfterSeconds > MAX_COMPLETE_AFTER_SECONDS)
    invalid(
      `"completeAfterSeconds" must be at most ${MAX_COMPLETE_AFTER_SECONDS} (30 days), got ${completeAfterSeconds}`,
    );
  const maxStreamLagMs = positive('maxStreamLagMs', input.maxStreamLagMs, CUTOVER_DEFAULTS.maxStreamLagMs);
  return {
    tables: normalizeTables(input),
    maxStreamLagMs,
    maxThreadsRunning: {
      source: positive('maxThreadsRunning.source', input.maxThreadsRunning?.source, 50),
      target: positive('maxThreadsRunning.target', input.maxThreadsRunning?.target, 50),
    },
    verifyMode,
    verifyChunkSize: Math.floor(positive('verifyChunkSize', input.verifyChunkSize, 10_000)),
    verifyMaxSnapshotSeconds: positive('verifyMaxSnapshotSeconds', input.verifyMaxSnapshotSeconds, 30),
    deferSecondaryKeys: input.deferSecondaryKeys ?? true,
    copyConcurrency: Math.floor(positive('copyConcurrency', input.copyConcurrency, 1)),
    chunkSize: Math.floor(positive('chunkSize', input.chunkSize, 5_000)),
    historyLimit: Math.floor(
      positive('historyEventsBeforeContinueAsNew', input.historyEventsBeforeContinueAsNew, 10_000),
    ),
    cutOverAttempts: Math.floor(positive('cutOverAttempts', input.cutOverAttempts, 5)),
    retryDelayMs: positive('cutOverRetryDelaySeconds', input.cutOverRetryDelaySeconds, 10) * 1_000,
    lockWaitTimeoutSeconds: Math.ceil(
      positive('lockWaitTimeoutSeconds', input.lockWaitTimeoutSeconds, CUTOVER_DEFAULTS.lockWaitTimeoutSeconds),
    ),
    completeAfterSeconds,
    cutOver: {
      /** What every cutover of the move shares, a reversible move's later switches included. */
      shared: {
        ...(input.drainTimeoutSeconds === undefined ? {} : { drainTimeoutSeconds: input.drainTimeoutSeconds }),
        ...(input.drainPollIntervalMs === undefined ? {} : { drainPollIntervalMs: input.drainPollIntervalMs }),
        ...(input.lockWaitTimeoutSeconds === undefined ? {} : { lockWaitTimeoutSeconds: input.lockWaitTimeoutSeconds }),
        ...(input.hookTimeoutSeconds === undefined ? {} : { hookTimeoutSeconds: input.hookTimeoutSeconds }),
        ...(input.onFailure === undefined ? {} : { onFailure: input.onFailure }),
        ...(input.hooksHint === undefined ? {} : { hooksHint: input.hooksHint }),
      } satisfies Partial<CutOverInput>,
      /** Each attempt's readiness gate. */
      readiness: {
        maxStreamLagMs,
        ...(input.maxTransactionAgeSeconds === undefined
          ? {}
          : { maxTransactionAgeSeconds: input.maxTransactionAgeSeconds }),
      } satisfies Partial<CutOverInput>,
    },
  };
}
