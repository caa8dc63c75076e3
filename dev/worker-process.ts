// The worker entry point (`worker/main.ts`) as a child process: for tests that kill it and for
// benchmarks that measure it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './stack/paths.js';

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  /** Peak resident set size so far (VmHWM), in bytes. */
  peakRss(): number;
  /** Starts a new peak from the current resident size (Linux `clear_refs`), for one measurement. */
  resetPeakRss(): void;
  /** CPU time the process has used (user + system), in seconds. */
  cpuSeconds(): number;
  /** SIGKILL: no graceful shutdown, as when a machine dies. */
  kill(): Promise<void>;
  /** SIGTERM: graceful shutdown. */
  stop(): Promise<void>;
}

/** Fields of /proc/<pid>/stat from the third (state) on: after the command name, which may hold spaces. */
function statFields(pid: number | 'self'): string[] {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
}

/** CPU time a process has used (user + system), in seconds: fields 14 and 15 of /proc/<pid>/stat. */
export function processCpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU time of this process's children that have ended and been waited for (fields 16 and 17), in seconds. */
export function finishedChildrenCpuSeconds(): number {
  const fields = statFields('self');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** The worker as shipped: `bin/move-tables-worker` (compiled code under node, its heap limit, the built bundle). */
export const SHIPPED_WORKER = path.join(repoRoot, 'bin/move-tables-worker');

/**
 * `entry` defaults to the real entry point run from source (tsx); tests may pass an instrumented
 * one, benchmarks the shipped one (`SHIPPED_WORKER`, an executable that execs node).
 */
export async function spawnWorkerProcess(
  env: Record<string, string>,
  entry = path.join(repoRoot, 'worker/main.ts'),
): Promise<WorkerProcess> {
  const [command, args] = entry.endsWith('.ts') ? [process.execPath, ['--import', 'tsx', entry]] : [entry, []];
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker process did not start:\n${output}`)), 60_000);
    child.stdout!.on('data', () => {
      if (output.includes('worker started')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker process exited (${code}):\n${output}`));
    });
  });
  return {
    child,
    output: () => output,
    peakRss() {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return Number(match?.[1] ?? 0) * 1024;
    },
    cpuSeconds() {
      return processCpuSeconds(child.pid!);
    },
    resetPeakRss() {
      writeFileSync(`/proc/${child.pid}/clear_refs`, '5');
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
