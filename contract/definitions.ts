// Signals and queries: importable by clients and parent workflows.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CutOverStatus } from './cutover.js';
import type { MoveStatus } from './move.js';

/** Releases a postponed cutover (gh-ost's postpone flag file, removed). */
export const releaseCutOverSignal = defineSignal('releaseCutOver');

/** A holding move (attempts used up, or tables left renamed) starts a new cutover attempt now. */
export const retryCutOverSignal = defineSignal('retryCutOver');

/**
 * Compares both sides at one source position now, while the move goes on (nothing stops or holds):
 * before the cutover the source against the target, after a reversible cutover the live side against
 * the standby side. `requestId` names the request in the status's `verification`.
 */
export const verifyMoveSignal = defineSignal<[VerifyMoveOptions?]>('verifyMove');

export interface VerifyMoveOptions {
  requestId?: string;
}

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

/**
 * Ends a reversible move after its cutover: the standby stream stops; the unused side's renamed
 * tables are kept, or dropped with `{ "dropStandbyTables": true }`.
 */
export const completeMoveSignal = defineSignal<[CompleteMoveOptions?]>('completeMove');

export interface CompleteMoveOptions {
  /** Drop the standby side's renamed tables once the standby stream has stopped (never the default). */
  dropStandbyTables?: boolean;
}

/** A reversible move on the target switches the application back to the source (the cutover's protocol, reversed). */
export const revertCutOverSignal = defineSignal<[RevertCutOverOptions?]>('revertCutOver');

export interface RevertCutOverOptions {
  /** The revert waits at its gate (on-begin-postponed fires) until `releaseCutOver`, as a postponed cutover does. */
  postpone?: boolean;
}

/**
 * Sent by a reversible move to its parent workflow (when it runs as a child) once its cutover has
 * completed, and again after each switch: where the application may write from now, long before
 * the move's result.
 */
export const moveCutOverSignal = defineSignal<[MoveCutOverNotice]>('moveCutOver');

export interface MoveCutOverNotice {
  moveId: string;
  /** Where the application is now: `target` after the cutover (and a cutover again), `source` after a revert. */
  liveSide: 'source' | 'target';
  drainGtid?: string;
  /** The live side's position at T4, where the stream keeping the other side current starts. */
  standbyStart: string;
}

/** What the UI (and the `__temporal_workflow_metadata` query) says of each signal and query. */
const DESCRIPTIONS: Record<string, string> = {
  [releaseCutOverSignal.name]: 'Releases a postponed cutover: the cutover goes on from T0 (no input).',
  [retryCutOverSignal.name]:
    'Starts the next cutover attempt now: ends the wait between attempts, or a hold (tables left renamed are renamed back first; a verification that found differences compares those ranges again).',
  [verifyMoveSignal.name]:
    'Compares both sides at one source position now, without stopping the move: before the cutover the source against the target, after it the live side against the standby side. Progress and outcome in the status\'s verification (input: none, or {"requestId": "..."}).',
  [cutOverStatusQuery.name]: 'The cutover step, postponement, drain GTID, applied position and last error.',
  [cutOverProgressSignal.name]: "Sent by a move's cutover attempt to its move with each step (not for operators).",
  [moveStatusQuery.name]:
    'The whole move: phase, rows copied of estimated with rate and ETA, stream lag and health, cutover attempts and step, hold, warnings, last error.',
  [pauseSignal.name]: 'Holds the copy after its current slice; the stream keeps applying.',
  [resumeSignal.name]: 'Resumes a paused copy.',
  [setChunkSizeSignal.name]: 'Rows per copy chunk from the next slice on (input: a positive integer).',
  [completeMoveSignal.name]:
    'Ends a reversible move after its cutover: stops the stream keeping the unused side current; that side\'s renamed tables are kept (no input), or dropped with {"dropStandbyTables": true}.',
  [revertCutOverSignal.name]:
    'A reversible move on the target switches the application back to the source, by the cutover protocol reversed (no input); with {"postpone": true} it waits at its gate for releaseCutOver. Once reverted, a release cuts over to the target again.',
  [moveCutOverSignal.name]:
    "Sent by a reversible move to its parent workflow after its cutover and each switch (not for operators; the parent's handler).",
};

/** Handler options with the definition's description. */
export function described(definition: { name: string }): { description: string } {
  return { description: DESCRIPTIONS[definition.name] ?? definition.name };
}

/** Search attribute (Keyword) with the move's phase: `temporal workflow list --query "MoveTablesPhase='copy'"`. */
export const movePhaseSearchAttribute = defineSearchAttributeKey('MoveTablesPhase', SearchAttributeType.KEYWORD);
