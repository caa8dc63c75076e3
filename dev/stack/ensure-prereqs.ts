// Installs or locates the stack's prerequisites; prints what is missing otherwise.
import { ensureChromium, ensureMariadb, ensureTemporal, MissingPrerequisiteError } from './prereqs.js';

try {
  ensureMariadb();
  ensureTemporal();
  if (process.argv.includes('--browser')) ensureChromium();
} catch (err) {
  console.error(err instanceof MissingPrerequisiteError ? `missing prerequisite: ${err.message}` : err);
  process.exit(1);
}
