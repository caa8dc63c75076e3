// Rows of the fault suite's result table: written by each fault test once its assertions held,
// printed by scripts/test after the run (MOVE_TABLES_FAULT_REPORT names the file).
import { appendFileSync } from 'node:fs';

export function recordFault(fault: string, expected: string, observed: string): void {
  const file = process.env.MOVE_TABLES_FAULT_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify({ fault, expected, observed })}\n`);
}
