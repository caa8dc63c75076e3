// Signals and queries: importable by clients and parent workflows.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CutOverStatus } from './cutover-types.js';

/** Releases a postponed cutover (gh-ost's postpone flag file, removed). */
export const releaseCutOverSignal = defineSignal('releaseCutOver');

/** Current step, postponement, drain GTID, applied position and last error. */
export const cutOverStatusQuery = defineQuery<CutOverStatus>('cutOverStatus');
