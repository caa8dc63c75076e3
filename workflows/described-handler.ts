// Sets a signal or query handler with the description the UI and the `__temporal_workflow_metadata`
// query show for it (contract/definitions.ts).
import { setHandler, type QueryDefinition, type SignalDefinition } from '@temporalio/workflow';
import { described } from '../contract/definitions.js';

export function setDescribedHandler<Ret, Args extends unknown[]>(
  definition: QueryDefinition<Ret, Args>,
  handler: (...args: Args) => Ret,
): void;
export function setDescribedHandler<Args extends unknown[]>(
  definition: SignalDefinition<Args>,
  handler: (...args: Args) => void,
): void;
export function setDescribedHandler(
  definition: QueryDefinition<unknown> | SignalDefinition,
  handler: () => unknown,
): void {
  setHandler(definition as SignalDefinition, handler as () => void, described(definition));
}
