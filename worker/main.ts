// Entry point of the worker process (`npm run worker`, `bin/move-tables-worker`).
import { exitOnFailure, runWorkerProcess } from './run-worker.js';

runWorkerProcess().catch(exitOnFailure);
