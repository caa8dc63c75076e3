import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import path from 'node:path';
import { cacheDir } from './paths.js';

/** A prerequisite is missing and cannot be installed from here; the message says what to do. */
export class MissingPrerequisiteError extends Error {
  override name = 'MissingPrerequisiteError';
}

export interface MariadbBinaries {
  mariadbd: string;
  installDb: string;
}

const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
// Debian puts the server in /usr/sbin, which is not on every user's PATH.
const EXTRA_BIN_DIRS = ['/usr/sbin', '/usr/local/sbin'];

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds an executable on PATH (plus the sbin dirs) without spawning a shell. */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), ...EXTRA_BIN_DIRS];
  for (const dir of dirs) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

function findMariadb(): MariadbBinaries | undefined {
  const mariadbd = findExecutable('mariadbd');
  const installDb = findExecutable('mariadb-install-db');
  return mariadbd && installDb ? { mariadbd, installDb } : undefined;
}

function log(message: string): void {
  process.stderr.write(`[stack] ${message}\n`);
}

/**
 * Installs Debian packages with apt-get when running as root, else throws naming the command to
 * run: what the stack and the browser test need comes from Debian's packages.
 */
function aptInstall(packages: string[], what: string): void {
  const apt = findExecutable('apt-get');
  if (process.getuid?.() !== 0 || !apt) {
    throw new MissingPrerequisiteError(
      `${what} not installed. Install it, e.g. \`sudo apt-get install -y ${packages.join(' ')}\` on Debian/Ubuntu, then rerun.`,
    );
  }
  log(`installing ${packages.join(', ')} with apt-get (one-time) ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', ...packages],
  ]) {
    const result = spawnSync(apt, args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (result.status !== 0) {
      throw new MissingPrerequisiteError(
        `\`apt-get ${args.join(' ')}\` failed (exit ${result.status}); install ${packages.join(' ')} by hand.`,
      );
    }
  }
}

/**
 * MariaDB server binaries: found on PATH, else installed from Debian's `mariadb-server`
 * package when running as root with apt-get, else a clear error naming what to install.
 */
export function ensureMariadb(): MariadbBinaries {
  const found = findMariadb();
  if (found) return found;
  aptInstall(['mariadb-server', 'mariadb-client'], 'MariaDB server binaries (mariadbd, mariadb-install-db) are');
  const installed = findMariadb();
  if (!installed) throw new MissingPrerequisiteError('mariadb-server was installed but mariadbd is still not found.');
  return installed;
}

/** The executable an environment variable names, when set (it must be one). */
function fromEnv(variable: string): string | undefined {
  const explicit = process.env[variable];
  if (explicit && !isExecutable(explicit))
    throw new MissingPrerequisiteError(`${variable}=${explicit} is not an executable file.`);
  return explicit || undefined;
}

/** A tool from a Debian package (Chromium, benchmarks' baselines): on PATH, else installed with apt. */
export function ensureDebianTool(binary: string, debianPackage: string): string {
  const found = findExecutable(binary);
  if (found) return found;
  aptInstall([debianPackage], `${binary} (Debian package ${debianPackage}) is`);
  const installed = findExecutable(binary);
  if (!installed)
    throw new MissingPrerequisiteError(`${debianPackage} was installed but ${binary} is still not found.`);
  return installed;
}

/** Chromium for the browser test: MOVE_TABLES_CHROMIUM, else PATH (Ubuntu's name too), else Debian's `chromium`. */
export function ensureChromium(): string {
  return (
    fromEnv('MOVE_TABLES_CHROMIUM') ?? findExecutable('chromium-browser') ?? ensureDebianTool('chromium', 'chromium')
  );
}

/**
 * A `temporal` CLI binary: MOVE_TABLES_TEMPORAL_BIN, else PATH, else the cached build,
 * else built once with `go install` into the ignored cache folder.
 */
export function ensureTemporal(): string {
  const explicit = fromEnv('MOVE_TABLES_TEMPORAL_BIN');
  if (explicit) return explicit;
  const onPath = findExecutable('temporal');
  if (onPath) return onPath;
  const binDir = path.join(cacheDir, 'bin');
  const cached = path.join(binDir, 'temporal');
  if (isExecutable(cached)) return cached;
  const go = findExecutable('go') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) {
    throw new MissingPrerequisiteError(
      'No `temporal` CLI found and Go is not installed to build one. Install the Temporal CLI ' +
        '(https://docs.temporal.io/cli) or Go >= 1.23, then rerun.',
    );
  }
  mkdirSync(binDir, { recursive: true });
  log(`building the Temporal CLI with \`go install ${TEMPORAL_CLI_MODULE}\` (one-time, a few minutes) ...`);
  try {
    execFileSync(go, ['install', TEMPORAL_CLI_MODULE], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, GOBIN: binDir },
    });
  } catch (err) {
    throw new MissingPrerequisiteError(`\`go install ${TEMPORAL_CLI_MODULE}\` failed: ${(err as Error).message}`);
  }
  if (!isExecutable(cached)) throw new MissingPrerequisiteError(`go install finished but ${cached} is missing.`);
  return cached;
}
