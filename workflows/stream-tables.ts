import type { StreamResult, StreamTablesInput } from '../contract/activities.js';
import { invalid, normalizeTables } from '../contract/tables.js';
import { streamStep } from './activity-shapes.js';

/** The binlog stream of a move: runs until the cutover sets its complete flag. */
export async function streamTables(input: StreamTablesInput): Promise<StreamResult> {
  const tables = normalizeTables(input);
  if (typeof input.startPosition !== 'string')
    invalid('"startPosition" must be a GTID position string (\'\' streams all available binlogs)');
  return streamStep.streamChanges({ ...tables, startPosition: input.startPosition });
}
