// Keeps the workflow's "Current details" (Temporal UI, `__temporal_workflow_metadata` query) equal
// to a rendering of its state. The condition is re-checked after every activation, so every change
// of state, wherever it is made, shows without each place having to publish it. No command and no
// history event: running and recorded workflows replay unchanged.
import { CancellationScope, condition, setCurrentDetails } from '@temporalio/workflow';

export function publishDetails(render: () => string): void {
  let shown = '';
  // Not cancellable: a cancelled move still shows how it ended.
  void CancellationScope.nonCancellable(async () => {
    let next = shown;
    for (;;) {
      await condition(() => (next = render()) !== shown);
      shown = next;
      setCurrentDetails(shown);
    }
  });
}
