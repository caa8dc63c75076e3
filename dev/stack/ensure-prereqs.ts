// Installs or locates the stack's prerequisites; prints what is missing otherwise.
import { ensureMariadb, ensureTemporal, MissingPrerequisiteError } from './prereqs.js';

try {
  ensureMariadb();
  ensureTemporal();
} catch (err) {
  console.error(err instanceof MissingPrerequisiteError ? `missing prerequisite: ${err.message}` : err);
  process.exit(1);
}
