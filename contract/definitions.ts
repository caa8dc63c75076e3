// Signals and queries: importable by clients and parent workflows.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CutOverStatus } from './cutover.js';
import type { MoveStatus } from './move.js';

/** Releases a postponed cutover (gh-ost's postpone flag file, removed). */
export const releaseCutOverSignal = defineSignal('releaseCutOver');

/** A holding move (attempts used up, or tables left renamed) starts a new cutover attempt now. */
export const retryCutOverSignal = defineSignal('retryCutOver');

/** Current step, postponement, drain GTID, applied position and last error. */
export const cutOverStatusQuery = defineQuery<CutOverStatus>('cutOverStatus');

/** A child cutOver tells its parent move about each step (the parent's status shows it). */
export const cutOverProgressSignal = defineSignal<[CutOverStatus]>('cutOverProgress');

/** Phase, copy progress and ETA, stream lag, applied GTID, cutover step. */
export const moveStatusQuery = defineQuery<MoveStatus>('status');

/** Holds the copy after the current slice; the stream keeps applying. */
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
/** Rows per copy chunk from the next slice on. */
export const setChunkSizeSignal = defineSignal<[number]>('setChunkSize');

/** Search attribute (Keyword) with the move's phase: `temporal workflow list --query "MoveTablesPhase='copy'"`. */
export const movePhaseSearchAttribute = defineSearchAttributeKey('MoveTablesPhase', SearchAttributeType.KEYWORD);
