// gh-ost-compatible hooks: executables in the worker's hooks directory whose names start with
// `gh-ost-<event>` run one after another (sorted by name) with gh-ost's environment variables
// plus the move's own, and no other part of the worker's environment than a short allow-list. A missing directory or hook is skipped; a non-zero exit or a timeout
// fails the step with the exit code and the tail of stderr.
import { spawn } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { HookRequest, HookResult } from '../../contract/activities.js';
import { failure } from '../../contract/failures.js';
import type { Clusters } from '../clusters.js';
import { whileHeartbeating } from '../heartbeat.js';

const STDERR_TAIL_BYTES = 2_000;

function hookFiles(hooksDir: string | undefined, event: string): string[] {
  if (!hooksDir) return [];
  let names: string[];
  try {
    names = readdirSync(hooksDir);
  } catch {
    return [];
  }
  const prefix = `gh-ost-${event}`;
  return names
    .filter((name) => name.startsWith(prefix))
    .sort()
    .map((name) => path.join(hooksDir, name))
    .filter((file) => {
      try {
        accessSync(file, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/** gh-ost's variables (those that apply to a move) and the move's additions. */
export function hookEnvironment(clusters: Clusters, request: HookRequest): Record<string, string> {
  const source = clusters.settings(request.source);
  const target = clusters.settings(request.target);
  return {
    GH_OST_DATABASE_NAME: request.database,
    GH_OST_TABLE_NAME: request.tables.join(','),
    GH_OST_OLD_TABLE_NAME: request.oldTables.join(','),
    GH_OST_ELAPSED_SECONDS: String(request.elapsedSeconds),
    GH_OST_MIGRATED_HOST: `${source.host}:${source.port}`,
    GH_OST_INSPECTED_HOST: `${source.host}:${source.port}`,
    GH_OST_EXECUTING_HOST: os.hostname(),
    GH_OST_HOOKS_HINT: request.hint ?? '',
    GH_OST_DRY_RUN: 'false',
    GH_OST_REVERT: request.direction === 'revert' ? 'true' : 'false',
    GH_OST_DIRECTION: request.direction ?? 'forward',
    GH_OST_DRAIN_GTID: request.drainGtid ?? '',
    GH_OST_TARGET_HOST: target.host,
    GH_OST_TARGET_PORT: String(target.port),
    GH_OST_TARGET_DATABASE_NAME: request.targetDatabase,
    GH_OST_SOURCE_CLUSTER: request.source,
    GH_OST_TARGET_CLUSTER: request.target,
    GH_OST_WORKFLOW_ID: request.workflowId,
    // Unambiguous for any name (a table name may hold a comma): JSON arrays.
    GH_OST_TABLE_NAMES_JSON: JSON.stringify(request.tables),
    GH_OST_OLD_TABLE_NAMES_JSON: JSON.stringify(request.oldTables),
    ...(request.failureMessage === undefined ? {} : { GH_OST_FAILURE_MESSAGE: request.failureMessage }),
  };
}

/**
 * What a hook inherits from the worker: enough to run programs, nothing else. The worker's
 * environment holds cluster URLs and password variables; a hook gets the GH_OST_* variables, these,
 * and the names listed in MOVE_TABLES_HOOKS_ENV.
 */
const INHERITED = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR'];

export function inheritedEnvironment(allow: readonly string[]): Record<string, string> {
  const names = new Set([...INHERITED, ...allow]);
  return Object.fromEntries(
    Object.entries(process.env).filter(([name, value]) => names.has(name) && value !== undefined),
  ) as Record<string, string>;
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * Ends the hook's process group if the worker dies first (SIGKILL leaves no chance to clean up):
 * a hook must not flip routing after its step was reported failed. Exits with the group.
 */
function watchdog(group: number): void {
  const script = `while kill -0 ${process.pid} 2>/dev/null && kill -0 -${group} 2>/dev/null; do sleep 0.5; done; kill -KILL -${group} 2>/dev/null`;
  spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref();
}

function runOne(
  file: string,
  env: Record<string, string>,
  timeoutMs: number,
  cancelled: AbortSignal,
): Promise<{ code: number | null; timedOut: boolean; stderr: string }> {
  return new Promise((resolve, reject) => {
    // Own process group, so a timeout, a cancelled step or a dead worker ends the hook and whatever it started.
    const child = spawn(file, [], { env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    if (child.pid) watchdog(child.pid);
    let stderr = '';
    let timedOut = false;
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-STDERR_TAIL_BYTES);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid!);
    }, timeoutMs);
    const onCancel = () => killGroup(child.pid!);
    cancelled.addEventListener('abort', onCancel, { once: true });
    child.on('error', (err) => {
      clearTimeout(timer);
      cancelled.removeEventListener('abort', onCancel);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      cancelled.removeEventListener('abort', onCancel);
      // The hook's leader exited: whatever it left running in its group ends with the step.
      killGroup(child.pid!);
      resolve({ code, timedOut, stderr });
    });
  });
}

/** Activity `runHooks`. */
export async function runHooks(
  clusters: Clusters,
  hooksDir: string | undefined,
  request: HookRequest,
  inheritedNames: readonly string[] = [],
): Promise<HookResult> {
  const ctx = Context.current();
  const files = hookFiles(hooksDir, request.event);
  const env = { ...inheritedEnvironment(inheritedNames), ...hookEnvironment(clusters, request) };
  for (const file of files) {
    const { code, timedOut, stderr } = await whileHeartbeating(
      runOne(file, env, request.timeoutMs, ctx.cancellationSignal),
    );
    if (ctx.cancellationSignal.aborted)
      throw new CancelledFailure(`hook ${path.basename(file)} ended: its step was cancelled`);
    if (timedOut || code !== 0) {
      const what = timedOut ? `timed out after ${request.timeoutMs} ms` : `exited with code ${code}`;
      throw failure(
        'HookFailed',
        `hook ${path.basename(file)} ${what}${stderr.trim() ? `; stderr: ${stderr.trim()}` : ''}`,
        {
          hook: path.basename(file),
          exitCode: code,
          timedOut,
          stderrTail: stderr,
        },
      );
    }
  }
  return { ran: files.map((file) => path.basename(file)) };
}
