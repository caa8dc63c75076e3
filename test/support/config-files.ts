// Configuration files for tests of the worker's settings: written to a directory of their own.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A writer of files (JSON for anything but a string) in a new temporary directory. */
export function configFiles(prefix: string): (name: string, content: unknown) => string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return (name, content) => {
    const full = path.join(dir, name);
    writeFileSync(full, typeof content === 'string' ? content : JSON.stringify(content));
    return full;
  };
}

/** The message `run` throws with, or 'no error'. */
export function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
}
