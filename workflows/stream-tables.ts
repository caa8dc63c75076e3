import type { StreamResult, StreamTablesInput } from '../contract/activities.js';
import { invalid, normalizeTables } from '../contract/tables.js';
import { streamStep } from './activity-shapes.js';

/**
 * The binlog stream of a move: runs until the cutover sets its complete flag. The reverse stream
 * of a reversible move is one too, from the target to the source's renamed tables (`intoOldTables`).
 */
export async function streamTables(input: StreamTablesInput): Promise<StreamResult> {
  const tables = normalizeTables(input);
  if (typeof input.startPosition !== 'string')
    invalid('"startPosition" must be a GTID position string (\'\' streams all available binlogs)');
  if (input.intoOldTables !== undefined && typeof input.intoOldTables !== 'boolean')
    invalid('"intoOldTables" must be true or false');
  return streamStep.streamChanges({
    ...tables,
    startPosition: input.startPosition,
    ...(input.intoOldTables ? { intoOldTables: true } : {}),
  });
}
