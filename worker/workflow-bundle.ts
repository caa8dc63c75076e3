// The workflow bundle, built once (`npm run build`) instead of by webpack at every worker start:
// the bundle and a manifest holding a digest of the workflow code it was built from. A worker
// loads it only when that digest matches the code the worker itself runs, so a bundle left over
// from another version can never run next to this version's activities.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';

/** The root of the code this module runs from: the repository (tsx) or `dist/` (compiled). */
const codeRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const extension = path.extname(fileURLToPath(import.meta.url));

export const workflowsPath = path.join(codeRoot, 'workflows', `index${extension}`);
/** Where `npm run build` writes the bundle: next to the compiled code. */
export const builtBundlePath = path.join(codeRoot, 'workflow-bundle.js');

function manifestPath(bundlePath: string): string {
  return bundlePath.replace(/\.js$/, '.manifest.json');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(extension))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** Digest of the workflow code as this process runs it: workflows/ and the contract they import. */
export function workflowCodeDigest(): string {
  const hash = createHash('sha256');
  for (const file of ['workflows', 'contract'].flatMap((dir) => sourceFiles(path.join(codeRoot, dir)))) {
    hash.update(path.relative(codeRoot, file));
    hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}

export async function writeWorkflowBundle(bundlePath: string): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: quietLogger });
  writeFileSync(bundlePath, code);
  writeFileSync(manifestPath(bundlePath), `${JSON.stringify({ digest: workflowCodeDigest() })}\n`);
}

export class WorkflowBundleMismatch extends Error {}

/**
 * The bundle this worker should load: `explicit` (MOVE_TABLES_WORKFLOW_BUNDLE) or the built one,
 * when present; undefined to bundle from source at start (development with tsx).
 */
export function workflowBundleFor(explicit: string | undefined): string | undefined {
  const bundlePath = explicit ?? (existsSync(builtBundlePath) ? builtBundlePath : undefined);
  if (bundlePath === undefined) return undefined;
  const manifest = manifestPath(bundlePath);
  if (!existsSync(manifest)) {
    if (explicit) return explicit;
    throw new WorkflowBundleMismatch(`workflow bundle ${bundlePath} has no manifest; rebuild with npm run build`);
  }
  const { digest } = JSON.parse(readFileSync(manifest, 'utf8')) as { digest: string };
  if (digest !== workflowCodeDigest()) {
    throw new WorkflowBundleMismatch(
      `workflow bundle ${bundlePath} was built from other workflow code than this worker runs; rebuild with npm run build`,
    );
  }
  return bundlePath;
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`${message}\n`),
  error: (message: string) => process.stderr.write(`${message}\n`),
};
