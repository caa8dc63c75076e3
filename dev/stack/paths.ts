import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root (this file lives in `<root>/dev/stack`). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Ignored folder for everything built or started locally; override with MOVE_TABLES_CACHE. */
export const cacheDir = process.env.MOVE_TABLES_CACHE ?? path.join(repoRoot, '.cache');

/** Where `npm run stack` keeps the long-lived local stack (data dirs, logs, state). */
export const localStackDir = path.join(cacheDir, 'stack');
