import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { invalid, normalizeTables, type TablesInput } from './input.js';
import type { StreamResult } from './types.js';

const { streamChanges } = proxyActivities<Activities>({
  // Runs for the whole move; a lost worker is noticed by the heartbeat and the stream resumes
  // elsewhere from the position stored on the target.
  startToCloseTimeout: '30 days',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
  // A cancelled stream reports cancelled only once it has stopped applying.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

export interface StreamTablesInput extends TablesInput {
  /** GTID position to stream from when the target holds none for this stream yet. */
  startPosition: string;
}

/** The binlog stream of a move: runs until the cutover sets its complete flag. */
export async function streamTables(input: StreamTablesInput): Promise<StreamResult> {
  const tables = normalizeTables(input);
  if (typeof input.startPosition !== 'string') invalid('"startPosition" must be a GTID position string (\'\' streams all available binlogs)');
  return streamChanges({ ...tables, startPosition: input.startPosition });
}
