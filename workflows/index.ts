// Workflow entry points registered by the worker.
export { describeClusters } from './describe-clusters.js';
