// The stream's health as Temporal knows it: its activity's attempt, last failure and last
// heartbeat (applied position, lag). The workflow cannot see a child's activity retrying; this
// activity reads it with the worker's Temporal client, so `status` shows a failing stream at once.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { StreamHealth, StreamProgress } from '../../contract/activities.js';

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
