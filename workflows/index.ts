// Workflow entry points registered by the worker.
export { cutOver } from './cutover.js';
export { describeClusters } from './describe-clusters.js';
export { streamTables } from './stream-tables.js';
export { moveTables } from './move-tables.js';
