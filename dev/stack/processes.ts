import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Where the kernel picks ports for outgoing connections (Linux's setting; else the IANA range). A
 * port chosen below it cannot be taken by one of them between its choice and its server's bind.
 */
function ephemeralPortsFrom(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 49_152;
  }
}

const LOWEST_CHOSEN_PORT = 10_000;

/**
 * A free TCP port on the loopback interface, below the ephemeral range when there is room there (a
 * server started on a port the kernel handed out exits at once when a connection took it meanwhile).
 */
export async function freePort(): Promise<number> {
  const below = Math.min(ephemeralPortsFrom(), 49_152);
  for (let tries = 0; below - LOWEST_CHOSEN_PORT > 1_000 && tries < 20; tries++) {
    const port = randomInt(LOWEST_CHOSEN_PORT, below);
    if (await portIsFree(port)) return port;
  }
  return kernelChosenPort();
}

function kernelChosenPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** True when nothing listens on `port` on the loopback interface. */
export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export interface StartedProcess {
  pid: number;
  /**
   * The process has exited (its own exit event: right after the spawn, /proc may still show the
   * command line of the parent that forked it, so the command line cannot tell yet).
   */
  exited(): boolean;
}

/**
 * Starts a server process in its own session with output appended to `logFile`.
 * `detached` processes outlive the caller (the long-lived local stack); attached ones
 * belong to a test run.
 */
export function startProcess(command: string, args: string[], logFile: string, detached: boolean): StartedProcess {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { detached, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    if (detached) child.unref();
    return { pid: child.pid, exited: () => exited };
  } finally {
    closeSync(fd);
  }
}

/** The command line of a live process, or undefined when no such process runs. */
export function processCommandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
}

/** True when `pid` runs and is the process we started (its command line names `marker`). */
export function isOurProcess(pid: number, marker: string): boolean {
  const cmdline = processCommandLine(pid);
  if (cmdline === undefined) return false;
  // A zombie keeps its pid but has an empty command line: it is not running.
  return cmdline.includes(marker);
}

/**
 * Stops a process we started: SIGTERM, then SIGKILL after `graceMs`. Never signals a pid
 * whose command line does not name `marker` (pid reuse after a reboot).
 */
export async function stopProcess(pid: number, marker: string, graceMs = 15_000): Promise<void> {
  if (!isOurProcess(pid, marker)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isOurProcess(pid, marker)) return;
    await sleep(100);
  }
  if (isOurProcess(pid, marker)) process.kill(pid, 'SIGKILL');
  while (isOurProcess(pid, marker)) await sleep(50);
}

/** A server process that exited while it was starting: its log's first lines say why. */
export class ServerExitedError extends Error {}

/** Where a log file ends now: what a process started next writes comes after it. */
export function logOffset(file: string): number {
  return existsSync(file) ? statSync(file).size : 0;
}

/** The first lines a log got after `offset`: where a crash states its cause (a panic's trace follows). */
export function readHead(file: string, offset: number, lines = 25): string {
  try {
    const text = readFileSync(file).subarray(offset).toString('utf8').trimEnd();
    return text ? text.split('\n').slice(0, lines).join('\n') : '(nothing logged)';
  } catch {
    return '(no log)';
  }
}

/**
 * Polls `probe` until it resolves truthy; fails with `what` and the last error after `timeoutMs`,
 * or at once when `exited` says the process it waits for is gone (`onExit` tells why).
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
  onFail?: () => string,
  process?: { exited: () => boolean; onExit: () => string },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (process?.exited())
      throw new ServerExitedError(`${what}: the process exited while starting\n${process.onExit()}`);
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    await sleep(200);
  }
  const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}${onFail ? `\n${onFail()}` : ''}`);
}

/** The last lines of a log file, for error messages. */
export function readTail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
