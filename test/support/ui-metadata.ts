// What the Temporal UI reads of a workflow, read the same way: the metadata query (current
// details, described signals and queries), activity summaries from history, the static summary.
import { defaultPayloadConverter } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';

interface Described {
  name: string;
  description?: string;
}

export interface WorkflowMetadata {
  currentDetails: string;
  signals: Described[];
  queries: Described[];
}

/** The `__temporal_workflow_metadata` query the UI sends for "Current details" and the signal form. */
export async function workflowMetadata(handle: WorkflowHandle): Promise<WorkflowMetadata> {
  const metadata = await handle.query<{
    currentDetails?: string;
    definition?: { signalDefinitions?: Described[]; queryDefinitions?: Described[] };
  }>('__temporal_workflow_metadata');
  return {
    currentDetails: metadata.currentDetails ?? '',
    signals: metadata.definition?.signalDefinitions ?? [],
    queries: metadata.definition?.queryDefinitions ?? [],
  };
}

/** Each scheduled activity with the summary the UI's timeline shows for it. */
export async function activitySummaries(
  handle: WorkflowHandle,
): Promise<Array<{ activity: string; summary?: string }>> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (!scheduled) return [];
    const payload = event.userMetadata?.summary;
    return [
      {
        activity: scheduled.activityType?.name ?? '',
        ...(payload ? { summary: defaultPayloadConverter.fromPayload<string>(payload) } : {}),
      },
    ];
  });
}
