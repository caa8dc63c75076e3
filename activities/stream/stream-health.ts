// The stream's health as Temporal knows it: its activity's attempt, last failure and last
// heartbeat (applied position, lag). The workflow cannot see a child's activity retrying; this
// activity reads it with the worker's Temporal client, so `status` shows a failing stream at once.
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { StreamHealth, StreamProgress, WatchStreamInput } from '../../contract/activities.js';

const STARTED = proto.temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;

type Timestamp = { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined;

function epochMs(ts: Timestamp): number | undefined {
  if (!ts?.seconds) return undefined;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : ts.seconds.toNumber();
  return seconds * 1_000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

/** Activity `observeStream`. */
export async function observeStream(temporal: Client, streamWorkflowId: string): Promise<StreamHealth> {
  let description;
  try {
    description = await temporal.workflow.getHandle(streamWorkflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { running: false, attempt: 0 };
    throw err;
  }
  const activity = description.raw.pendingActivities?.find((a) => a.activityType?.name === 'streamChanges');
  if (description.status.name !== 'RUNNING' || !activity)
    return { running: description.status.name === 'RUNNING', attempt: 0 };
  const payload = activity.heartbeatDetails?.payloads?.[0];
  const progress = payload ? defaultPayloadConverter.fromPayload<StreamProgress>(payload) : undefined;
  const reportedAt = epochMs(activity.lastHeartbeatTime as Timestamp);
  const startedAt = epochMs(activity.lastStartedTime as Timestamp);
  // A failure counts until the attempt after it runs and has reported progress (while the retry
  // waits for its backoff the activity is SCHEDULED, not STARTED).
  const started = activity.state === STARTED;
  const recovered = started && reportedAt !== undefined && startedAt !== undefined && reportedAt > startedAt;
  const lastError = activity.lastFailure?.message && !recovered ? activity.lastFailure.message : undefined;
  return {
    running: true,
    attempt: activity.attempt ?? 1,
    ...(lastError ? { lastError } : {}),
    ...(progress
      ? { appliedPosition: progress.appliedPosition, lagMs: progress.lagMs, rowsApplied: progress.rowsApplied }
      : {}),
    ...(reportedAt ? { reportedAt } : {}),
  };
}

/** Lag ranges an operator tells apart: caught up, seconds, a minute, many minutes behind. */
const LAG_EDGES_MS = [1_000, 10_000, 60_000, 600_000];
const lagRange = (lagMs: number | undefined) => LAG_EDGES_MS.filter((edge) => (lagMs ?? 0) >= edge).length;
const WATCH_POLL_MS = 2_000;

/**
 * What makes a new observation worth reporting: the stream started or stopped, a failure came,
 * changed or cleared; after `input.lagQuietMs` the lag moved to another range; after
 * `input.positionQuietMs` (when given) the applied position advanced.
 */
export function healthChanged(
  last: StreamHealth,
  now: StreamHealth,
  elapsedMs: number,
  input: Pick<WatchStreamInput, 'lagQuietMs' | 'positionQuietMs'>,
): boolean {
  if (last.running !== now.running || last.attempt !== now.attempt || last.lastError !== now.lastError) return true;
  if (elapsedMs >= input.lagQuietMs && lagRange(last.lagMs) !== lagRange(now.lagMs)) return true;
  return (
    input.positionQuietMs !== undefined &&
    elapsedMs >= input.positionQuietMs &&
    last.appliedPosition !== now.appliedPosition
  );
}

/**
 * Activity `watchStream`: looks every few seconds (heartbeating) and returns once the health
 * changed in a way the move asked to hear of, or after `maxWaitMs`. A move waiting days at its
 * gate then adds a few history events an hour instead of a few a minute.
 */
export async function watchStream(temporal: Client, input: WatchStreamInput): Promise<StreamHealth> {
  const ctx = Context.current();
  const started = Date.now();
  for (;;) {
    const health = await observeStream(temporal, input.streamWorkflowId);
    const elapsed = Date.now() - started;
    if (!input.last || elapsed >= input.maxWaitMs || healthChanged(input.last, health, elapsed, input)) return health;
    ctx.heartbeat();
    await Promise.race([sleep(WATCH_POLL_MS), ctx.cancelled.catch(() => undefined)]);
    ctx.cancellationSignal.throwIfAborted();
  }
}
