// Rows the target refuses for a reason no retry can change: the row or the target table must
// change first. Both the copy and the stream fail fast with RowRejected naming the row.
import type { ApplicationFailure } from '@temporalio/common';
import { failure } from '../../contract/failures.js';
import { withoutQuotedValues } from '../row-values.js';

export interface ServerError {
  errno?: number;
  code?: string;
  sqlState?: string;
  sqlMessage?: string;
  message: string;
}

/** ER_DUP_ENTRY: a row whose key (primary or unique) another row holds. */
export const DUPLICATE_KEY = 1062;

/** Errors a row gets from the target every time it is applied: the row or the target schema must change. */
const PERMANENT_ROW_ERRORS = new Set([
  1048, // column cannot be null
  1054, // unknown column: the target table differs
  DUPLICATE_KEY, // a unique secondary key
  1136, // column count does not match
  1146, // table does not exist on the target
  1264, // out of range
  1265, // data truncated: a legacy value (an ENUM's error value '') strict mode refuses
  1364, // a NOT NULL column without a default the row does not give (a target column the source lacks)
  1365, // division by zero in a stored generated column
  1292, // incorrect value (dates, numbers)
  1366, // incorrect string value (charset)
  1406, // data too long
  1416, // cannot get geometry object
  1451, // a foreign key refuses the delete or update
  1452, // a foreign key refuses the insert or update
  1526, // no partition of the target table for the row
  1906, // MariaDB: a value for a generated column
  3105, // MySQL: a value for a generated column
  3140, // MySQL: invalid JSON text
  3819, // MySQL: CHECK constraint
  4025, // MariaDB: CHECK constraint
]);

export function asServerError(err: unknown): ServerError | undefined {
  return err instanceof Error && typeof (err as ServerError).errno === 'number' ? (err as ServerError) : undefined;
}

/**
 * SQLSTATE classes of a row's own fault: 22 (data exception: a value the column cannot hold) and 23
 * (integrity constraint). Codes outside the list above in these classes are the row's too.
 */
const ROW_SQLSTATE_CLASSES = ['22', '23'];

export function isPermanentRowError(err: unknown): boolean {
  const server = asServerError(err);
  if (server?.errno === undefined) return false;
  return PERMANENT_ROW_ERRORS.has(server.errno) || ROW_SQLSTATE_CLASSES.includes(server.sqlState?.slice(0, 2) ?? '');
}

export interface RejectedRow {
  table: string;
  key: unknown[];
  /** Where the row comes from: a source GTID (stream), or the copy. */
  origin: string;
  err: unknown;
}

export function rowRejected({ table, key, origin, err }: RejectedRow, target: string): ApplicationFailure {
  const server = asServerError(err)!;
  return failure(
    'RowRejected',
    `${target} refuses the row of ${table} with key ${JSON.stringify(key)} (${origin}): ${withoutQuotedValues(server.sqlMessage ?? server.message)}. ` +
      'Retrying cannot change that: make the target table accept the row (its definition must match the source), then start the move again',
    { table, key, origin, errno: server.errno },
  );
}
