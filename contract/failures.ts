// The failure types of move-tables: what an operator, a CLI or a parent workflow can match on.
// Every failure the code creates has its type here; `failure()` accepts no other.
import { ApplicationFailure } from '@temporalio/common';

export type FailureType =
  // Input and configuration, checked before any change.
  | 'UnknownCluster'
  /** The worker's settings and the server disagree: TLS, a CA or host name, an account refused. */
  | 'ClusterConnectionFailed'
  | 'InvalidInput'
  | 'MissingTable'
  | 'NoPrimaryKey'
  /** A view, a table with triggers or with foreign keys the move cannot keep. */
  | 'UnsupportedTable'
  | 'BinlogMisconfigured'
  | 'MissingPrivilege'
  | 'TargetNotEmpty'
  | 'CreateTableFailed'
  // The stream.
  | 'StreamNotRegistered'
  | 'UnsupportedDdl'
  /** A change to a moved table the stream cannot apply: binlogged as a statement, or as a partial row image. */
  | 'UnsupportedBinlogEvent'
  | 'GtidMismatch'
  | 'BinlogPurged'
  | 'RowRejected'
  /** The target refuses the copy for a reason of its own settings that no smaller chunk avoids. */
  | 'CopyRefused'
  /** Retryable: a stale stream attempt found a newer one owns the stream. */
  | 'StreamSuperseded'
  | 'StreamFailed'
  // The cutover.
  | 'NotReady'
  | 'RenameFailed'
  /** A RENAME sent after its attempt was settled without it: its fence was claimed, nothing renamed. */
  | 'RenameFenced'
  | 'RenameStateConflict'
  | 'DrainTimeout'
  /** T2 read its position on another server than T1 renamed on (a proxy splitting reads). */
  | 'ServerMismatch'
  /** A transaction or a backup on the target holds a moved table's metadata lock past the lock-wait bound. */
  | 'TargetLocked'
  | 'HookFailed'
  | 'CutOverFailed'
  // Verification.
  | 'VerificationFailed'
  /** Retryable: the stream did not stop, or did not reach a snapshot's position, in time for a diff. */
  | 'SnapshotNotAligned';

/**
 * What a cutover's validation (before any change) fails with: an attempt failing so left the source
 * unchanged. Any other failure leaves its outcome to the source to say.
 */
export const VALIDATION_FAILURES: readonly FailureType[] = [
  'UnknownCluster',
  'ClusterConnectionFailed',
  'InvalidInput',
  'MissingTable',
  'NoPrimaryKey',
  'UnsupportedTable',
  'BinlogMisconfigured',
  'MissingPrivilege',
  'RenameStateConflict',
  'StreamNotRegistered',
  'GtidMismatch',
];

/** A non-retryable typed failure: retrying would not change the outcome, only delay the error. */
export function failure(
  type: FailureType,
  message: string,
  details?: Record<string, unknown>,
  cause?: Error,
): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: true,
    ...(details ? { details: [details] } : {}),
    ...(cause ? { cause } : {}),
  });
}

/** A typed failure that the activity's retry policy may retry (the situation can change by itself). */
export function retryableFailure(type: FailureType, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: false });
}
