// `move-tables`: start, follow and steer moves from a terminal. Talks to Temporal only: cluster
// credentials stay with the worker. Run `move-tables help` for commands and exit codes.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Client, Connection, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import {
  completeMoveSignal,
  moveStatusQuery,
  revertCutOverSignal,
  pauseSignal,
  releaseCutOverSignal,
  resumeSignal,
  retryCutOverSignal,
  setChunkSizeSignal,
  verifyMoveSignal,
} from '../contract/definitions.js';
import { moveWorkflowId } from '../contract/tables.js';
import type { moveTables } from '../workflows/move-tables.js';
import {
  VERIFY_MODES,
  type MoveStatus,
  type MoveTablesInput,
  type MoveTablesResult,
  type VerifyMode,
} from '../contract/move.js';
import { TASK_QUEUE } from '../contract/move.js';
import { verificationText } from '../contract/move-details.js';
import { formatStatus } from './format-status.js';
import { loadTemporalSettings, temporalConnectError, type TemporalSettings } from './temporal-config.js';
import { MoveAlreadyRunningError, startMove } from './moves.js';

export const EXIT = {
  ok: 0,
  moveFailed: 1,
  usage: 2,
  notFound: 3,
  alreadyRunning: 4,
  unreachable: 5,
  differs: 6,
} as const;

const HELP = `move-tables: move MySQL/MariaDB tables online between clusters (durable on Temporal)

Usage: move-tables <command> [options]

Commands
  start     --database DB (--tables T1,T2 | --table T ...) [--source NAME] [--target NAME] [--target-database DB]
            [--postpone] [--chunk-size N] [--copy-concurrency N] [--keep-secondary-keys] [--drain-timeout SECONDS] [--verify before-cutover|after-release|before-release|skip]
            [--on-failure rollback|hold] [--attempts N] [--keep-target-on-abort] [--complete-after SECONDS | --one-way] [--wait]
            Starts a move; prints its workflow id and the commands to follow it. --wait follows it to the end
            (a reversible move: to the cutover, the application on the target).
            A move is reversible: after the cutover, the target's changes stream back to the source's renamed
            tables and the move stays open (phase on-target) until complete, or --complete-after (default 7 days).
            --one-way: the move ends at its cutover, the source tables left frozen (no binlog needed on the target).
            --keep-secondary-keys: keep the tables' plain secondary keys through the copy's load (by default they
            are built once the rows are in, which costs the target less).
  status    <move> [--watch]   Phase, progress bar with rate and ETA, stream lag, cutover step.
  release   <move>             Releases a postponed cutover or revert (a reverted move: cuts over again).
  retry     <move>             A holding move starts a new cutover attempt now (tables left renamed are renamed back first);
                               between attempts, starts the next one without waiting for the backoff.
  pause     <move>             Holds the row copy after the current slice (the stream keeps applying).
  resume    <move>             Resumes the row copy.
  chunk-size <move> N          Rows per copy chunk from the next slice on.
  revert    <move> [--postpone]
                               A reversible move on the target switches the application back to the source (the cutover
                               protocol reversed, same hooks with GH_OST_REVERT=true); release then cuts over again.
                               --postpone: the revert waits at its gate (on-begin-postponed) until release.
  verify    <move>             Compares both sides at one source position now, without stopping the move (before the
                               cutover: the source with the target; after it: the live side with the standby side);
                               prints its progress, then equal (exit 0) or the differing keys (exit 6).
  complete  <move> [--drop-standby-tables]
                               Ends a reversible move after its cutover: the stream keeping the unused side current stops;
                               that side's renamed tables are kept, or dropped with --drop-standby-tables.
  abort     <move>             Cancels the move (before T1: stops; from T1 on: the cutover compensates; holding with tables
                               renamed: renames them back; after T4: too late, the cutover completes). The source is left
                               as it was before the move, and the target too: the tables the move created are dropped
                               (--keep-target-on-abort at start keeps them).
  list                         Moves in progress.
  help                         This text.

<move> is a workflow id (move:source/shop/orders) or --database/--tables[/--source] naming the move.
--tables takes a comma-separated list; --table (repeatable) takes one name exactly as it is, for a name
with a comma or surrounding spaces: --table 'order items' --table 'a,b'.

Options for every command
  --address HOST:PORT   Temporal frontend (env TEMPORAL_ADDRESS, default 127.0.0.1:7233)
  --namespace NAME      (env TEMPORAL_NAMESPACE, default "default")
                        TLS, mTLS and API keys as the temporal CLI reads them: TEMPORAL_TLS,
                        TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH,
                        TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME, TEMPORAL_API_KEY,
                        TEMPORAL_PROFILE (docs/operations.md)
  --task-queue NAME     (env MOVE_TABLES_TASK_QUEUE, default "move-tables"; start only)
  --json                Machine-readable output.

Exit codes: 0 done; 1 the move failed or was cancelled (verify: could not compare); 2 bad usage; 3 no such move;
4 a move of these tables is already running; 5 Temporal unreachable; 6 verify found differences.`;

class UsageError extends Error {}

const options = {
  database: { type: 'string' },
  tables: { type: 'string' },
  table: { type: 'string', multiple: true },
  source: { type: 'string', default: 'source' },
  target: { type: 'string', default: 'target' },
  'target-database': { type: 'string' },
  postpone: { type: 'boolean' },
  'keep-target-on-abort': { type: 'boolean' },
  'keep-secondary-keys': { type: 'boolean' },
  // The default; still accepted from scripts written when it had to be asked for.
  reversible: { type: 'boolean' },
  'one-way': { type: 'boolean' },
  'drop-standby-tables': { type: 'boolean' },
  'complete-after': { type: 'string' },
  'chunk-size': { type: 'string' },
  'copy-concurrency': { type: 'string' },
  'drain-timeout': { type: 'string' },
  verify: { type: 'string' },
  'on-failure': { type: 'string' },
  attempts: { type: 'string' },
  wait: { type: 'boolean' },
  watch: { type: 'boolean' },
  json: { type: 'boolean' },
  address: { type: 'string' },
  namespace: { type: 'string' },
  'task-queue': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

function positiveInt(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new UsageError(`--${name} must be a positive integer, got "${text}"`);
  return value;
}

function tablesOf(values: Values): string[] {
  if (!values.database || (!values.tables && !values.table?.length))
    throw new UsageError('name the move: a workflow id, or --database and --tables (or --table)');
  const listed = (values.tables ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  return [...listed, ...(values.table ?? [])];
}

function moveInput(values: Values): MoveTablesInput {
  const verify = values.verify as VerifyMode | undefined;
  if (verify !== undefined && !VERIFY_MODES.includes(verify))
    throw new UsageError(`--verify must be ${VERIFY_MODES.join(', ')}`);
  const onFailure = values['on-failure'];
  if (onFailure !== undefined && onFailure !== 'rollback' && onFailure !== 'hold')
    throw new UsageError('--on-failure must be rollback or hold');
  const chunkSize = positiveInt('chunk-size', values['chunk-size']);
  const drain = positiveInt('drain-timeout', values['drain-timeout']);
  const attempts = positiveInt('attempts', values.attempts);
  const copyConcurrency = positiveInt('copy-concurrency', values['copy-concurrency']);
  const completeAfter = positiveInt('complete-after', values['complete-after']);
  if (values['one-way'] && values.reversible) throw new UsageError('--one-way and --reversible contradict each other');
  if (completeAfter !== undefined && values['one-way'])
    throw new UsageError('--complete-after applies to a reversible move only (not --one-way)');
  return {
    source: values.source!,
    target: values.target!,
    database: values.database!,
    tables: tablesOf(values),
    ...(values['target-database'] ? { targetDatabase: values['target-database'] } : {}),
    ...(values.postpone ? { postpone: true } : {}),
    ...(chunkSize ? { chunkSize } : {}),
    ...(copyConcurrency ? { copyConcurrency } : {}),
    ...(values['keep-secondary-keys'] ? { deferSecondaryKeys: false } : {}),
    ...(drain ? { drainTimeoutSeconds: drain } : {}),
    ...(verify ? { verify } : {}),
    ...(onFailure ? { onFailure } : {}),
    ...(attempts ? { cutOverAttempts: attempts } : {}),
    ...(values['keep-target-on-abort'] ? { keepTargetOnAbort: true } : {}),
    ...(values['one-way'] ? { reversible: false } : {}),
    ...(completeAfter ? { completeAfterSeconds: completeAfter } : {}),
  };
}

function moveIdOf(positionals: string[], values: Values): string {
  return (
    positionals[0] ??
    moveWorkflowId({
      source: values.source!,
      target: values.target!,
      database: values.database ?? '',
      tables: tablesOf(values),
    })
  );
}

/** A reversible move's time after its cutover, for the final line. */
function afterCutOverText(after: MoveTablesResult['afterCutOver']): string {
  if (!after) return '';
  const dropped = after.droppedTables?.length ? `; dropped ${after.droppedTables.join(', ')}` : '';
  return `; live on the ${after.liveSide} after ${after.switches.length} switch(es), completed (${after.completedBecause})${dropped}`;
}

function print(values: Values, json: unknown, text: string): void {
  console.log(values.json ? JSON.stringify(json) : text);
}

/**
 * Follows a move to its end, printing status changes; returns the exit code. `untilCutOver`: a
 * reversible move is followed until the application is on the target (it stays open for days).
 */
async function follow(
  handle: WorkflowHandle<typeof moveTables>,
  values: Values,
  untilCutOver = false,
): Promise<number> {
  let last = '';
  for (;;) {
    const description = await handle.describe();
    const status = await handle.query(moveStatusQuery).catch(() => undefined);
    if (status) {
      const line = values.json ? JSON.stringify(status) : formatStatus(status);
      if (line !== last) console.log(line);
      last = line;
    }
    if (untilCutOver && status?.phase === 'on-target') {
      const id = handle.workflowId;
      print(
        values,
        { workflowId: id, phase: status.phase, liveSide: status.liveSide },
        [
          `cut over: the application is on the target; the source's renamed tables are kept current until the move completes (${status.standby?.completeAt ?? 'later'})`,
          `  switch back: move-tables revert '${id}'`,
          `  end it:      move-tables complete '${id}' [--drop-standby-tables]`,
        ].join('\n'),
      );
      return EXIT.ok;
    }
    if (description.status.name !== 'RUNNING') break;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  try {
    const result = await handle.result();
    print(
      values,
      { result },
      `move complete: ${result.rowsCopied} rows copied at ${result.copyRowsPerSecond} rows/s; cutover window ${result.cutOver.cutoverWindowMs} ms; drain GTID ${result.cutOver.drainGtid}; checksum ${result.verify ? (result.verify.ok ? 'MATCH' : 'MISMATCH') : 'not run'}${afterCutOverText(result.afterCutOver)}`,
    );
    return EXIT.ok;
  } catch (err) {
    const cause = (err as { cause?: Error & { type?: string } }).cause;
    print(
      values,
      { error: cause?.message ?? String(err), type: cause?.type },
      `move did not complete: ${cause?.type ? `${cause.type}: ` : ''}${cause?.message ?? String(err)}`,
    );
    return EXIT.moveFailed;
  }
}

/** `verify`: asks the move to compare both sides now and follows that comparison to its outcome. */
async function verifyNow(handle: WorkflowHandle<typeof moveTables>, values: Values): Promise<number> {
  const requestId = randomUUID();
  await handle.signal(verifyMoveSignal, { requestId });
  let last = '';
  for (;;) {
    const status = await handle.query(moveStatusQuery);
    const verification = status.verification?.requestId === requestId ? status.verification : undefined;
    const line = verification ? (verificationText(status) ?? '') : `verify: waiting for the move (${status.phase})`;
    if (line !== last && !values.json) console.log(line);
    last = line;
    if (verification && verification.state !== 'comparing') {
      if (values.json) console.log(JSON.stringify(verification));
      return verification.state === 'equal'
        ? EXIT.ok
        : verification.state === 'differs'
          ? EXIT.differs
          : EXIT.moveFailed;
    }
    if (['done', 'failed', 'cancelled'].includes(status.phase) && !verification) {
      print(values, { error: 'the move has ended' }, 'verify: the move has ended');
      return EXIT.moveFailed;
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  const [command, ...rest] = positionals;
  if (!command || command === 'help' || values.help) {
    console.log(HELP);
    return command || values.help ? EXIT.ok : EXIT.usage;
  }
  let connection: Connection;
  let settings: TemporalSettings;
  try {
    settings = loadTemporalSettings(process.env, {
      ...(values.address ? { address: values.address } : {}),
      ...(values.namespace ? { namespace: values.namespace } : {}),
    });
  } catch (err) {
    console.error((err as Error).message);
    return EXIT.usage;
  }
  try {
    connection = await Connection.connect({ ...settings.connection, connectTimeout: 5_000 });
  } catch (err) {
    console.error((await temporalConnectError(settings, err)).message);
    return EXIT.unreachable;
  }
  const client = new Client({ connection, namespace: settings.namespace });
  try {
    const handleOf = () => client.workflow.getHandle<typeof moveTables>(moveIdOf(rest, values));
    switch (command) {
      case 'start': {
        const handle = await startMove(
          client,
          moveInput(values),
          values['task-queue'] ?? process.env.MOVE_TABLES_TASK_QUEUE ?? TASK_QUEUE,
        );
        const id = handle.workflowId;
        print(
          values,
          { workflowId: id, runId: handle.firstExecutionRunId },
          [
            `started move ${id}`,
            `  follow:  move-tables status '${id}' --watch`,
            `  release: move-tables release '${id}'   (when postponed)`,
            `  with the Temporal CLI: temporal workflow query --workflow-id '${id}' --type status`,
          ].join('\n'),
        );
        return values.wait ? await follow(handle, values, true) : EXIT.ok;
      }
      case 'status': {
        const handle = handleOf();
        if (values.watch) return await follow(handle, values);
        const status: MoveStatus = await handle.query(moveStatusQuery);
        print(values, status, formatStatus(status));
        return EXIT.ok;
      }
      case 'release':
      case 'retry':
      case 'pause':
      case 'resume':
      case 'revert': {
        const handle = handleOf();
        const signals = {
          release: releaseCutOverSignal,
          retry: retryCutOverSignal,
          pause: pauseSignal,
          resume: resumeSignal,
          revert: revertCutOverSignal,
        };
        if (command === 'revert' && values.postpone) await handle.signal(revertCutOverSignal, { postpone: true });
        else await handle.signal(signals[command]);
        print(values, { workflowId: handle.workflowId, signal: command }, `${command}: sent to ${handle.workflowId}`);
        return EXIT.ok;
      }
      case 'verify':
        return await verifyNow(handleOf(), values);
      case 'complete': {
        const handle = handleOf();
        const drop = values['drop-standby-tables'] === true;
        await handle.signal(completeMoveSignal, drop ? { dropStandbyTables: true } : {});
        print(
          values,
          { workflowId: handle.workflowId, signal: 'complete', dropStandbyTables: drop },
          `complete${drop ? ' (dropping the standby tables)' : ''}: sent to ${handle.workflowId}`,
        );
        return EXIT.ok;
      }
      case 'chunk-size': {
        const size = positiveInt('chunk-size', rest.length > 1 ? rest[1] : rest[0]);
        if (size === undefined) throw new UsageError('chunk-size needs a number of rows');
        const handle = client.workflow.getHandle<typeof moveTables>(rest.length > 1 ? rest[0]! : moveIdOf([], values));
        await handle.signal(setChunkSizeSignal, size);
        print(
          values,
          { workflowId: handle.workflowId, chunkSize: size },
          `chunk size ${size}: sent to ${handle.workflowId}`,
        );
        return EXIT.ok;
      }
      case 'abort': {
        const handle = handleOf();
        await handle.cancel();
        print(
          values,
          { workflowId: handle.workflowId, cancelled: true },
          `cancellation requested for ${handle.workflowId}`,
        );
        return EXIT.ok;
      }
      case 'list': {
        const moves = [];
        for await (const execution of client.workflow.list({
          query: `WorkflowType = 'moveTables' AND ExecutionStatus = 'Running'`,
        })) {
          const phase = execution.searchAttributes?.MoveTablesPhase;
          moves.push({
            workflowId: execution.workflowId,
            phase: Array.isArray(phase) ? String(phase[0]) : undefined,
            startTime: execution.startTime.toISOString(),
          });
        }
        print(
          values,
          moves,
          moves.length
            ? moves.map((m) => `${m.workflowId}  phase ${m.phase ?? '?'}  started ${m.startTime}`).join('\n')
            : 'no moves in progress',
        );
        return EXIT.ok;
      }
      default:
        throw new UsageError(`unknown command "${command}" (see move-tables help)`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n(see move-tables help)`);
      return EXIT.usage;
    }
    if (err instanceof MoveAlreadyRunningError) {
      console.error(err.message);
      return EXIT.alreadyRunning;
    }
    if (err instanceof WorkflowNotFoundError) {
      console.error(`no such move: ${err.workflowId ?? ''} (${err.message})`);
      return EXIT.notFound;
    }
    throw err;
  } finally {
    await connection.close();
  }
}

// gRPC sends an IP address as the TLS server name, and Node warns about it (DEP0123) on every
// TLS connection to an address like 10.0.0.5:7233: noise in a CLI's output, not the user's to fix.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const code = typeof rest[0] === 'object' ? (rest[0] as { code?: string }).code : rest[1];
  if (code !== 'DEP0123') (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${(err as Error).message}\n(see move-tables help)`);
      process.exitCode = EXIT.usage;
      return;
    }
    console.error(err);
    process.exitCode = EXIT.moveFailed;
  },
);
