import { ApplicationFailure } from '@temporalio/common';

/**
 * Failure types an operator (or a parent workflow) can match on. Each is non-retryable:
 * retrying would not change the outcome, only delay the error.
 */
export type FailureType =
  | 'UnknownCluster'
  | 'InvalidInput'
  | 'MissingTable'
  | 'NoPrimaryKey'
  | 'BinlogMisconfigured'
  | 'TargetNotEmpty'
  | 'UnsupportedDdl'
  | 'RenameFailed'
  | 'RenameStateConflict'
  | 'DrainTimeout'
  | 'HookFailed'
  | 'StreamNotRegistered'
  | 'MissingPrivilege'
  | 'VerificationFailed';

export function failure(type: FailureType, message: string, details?: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, ...(details ? { details: [details] } : {}) });
}
