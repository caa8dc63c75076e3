// What the Temporal UI shows of a move, from the workflows themselves (stub activities): current
// details that follow the move and name the next action, described signals and queries, a summary
// on each protocol step's activity (T1 names its RENAME) and on the move's children.
import { describe, expect, it } from 'vitest';
import { moveStatusQuery, releaseCutOverSignal } from '../../contract/definitions.js';
import type { MoveTablesInput } from '../../contract/move.js';
import type { moveTables } from '../../workflows/move-tables.js';
import { stubActivities, stubWorker } from '../support/stub-activities.js';
import { activitySummaries, workflowMetadata } from '../support/ui-metadata.js';
import { statusReaches } from '../support/waiting.js';

const INPUT: MoveTablesInput = {
  source: 'source',
  target: 'target',
  database: 'shop',
  tables: ['order-lines', 'items'],
  postpone: true,
  reversible: false,
};

describe('a move in the Temporal UI (stub activities)', () => {
  it('details follow the move: postponed names the release signal; done shows the result', async () => {
    const { activities } = stubActivities();
    const env = await stubWorker(activities);
    const seen = await env.run(async () => {
      const handle = await env.client.workflow.start<typeof moveTables>('moveTables', {
        taskQueue: env.taskQueue,
        workflowId: env.workflowId('move'),
        args: [INPUT],
      });
      await statusReaches(
        'the postpone gate',
        () => handle.query(moveStatusQuery),
        (s) => Boolean(s.cutOver?.postponed),
      );
      const atGate = await statusReaches(
        'details at the gate',
        () => workflowMetadata(handle),
        (m) => m.currentDetails.includes('next: postponed') && m.currentDetails.includes('stream:'),
      );
      const cutOver = env.client.workflow.getHandle(`${handle.workflowId}/cutover/1`);
      const cutOverAtGate = await workflowMetadata(cutOver);
      await handle.signal(releaseCutOverSignal);
      await handle.result();
      return {
        atGate,
        cutOverAtGate,
        done: await workflowMetadata(handle),
        moveSummaries: await activitySummaries(handle),
        cutOverSummaries: await activitySummaries(cutOver),
        cutOverStaticSummary: await (await cutOver.describe()).staticSummary(),
        streamStaticSummary: await (
          await env.client.workflow.getHandle(`${handle.workflowId}/stream`).describe()
        ).staticSummary(),
      };
    });

    expect(seen.atGate.currentDetails).toBe(
      [
        '**cutover** · `shop.order-lines`, `shop.items` source → target',
        '',
        '- **next: postponed: send signal releaseCutOver to cut over**',
        '- rows copied: 200 of ~200 (100%)',
        '- stream: lag 0 ms · applied 1-1-5',
        '- verification before the cutover: both sides equal at source position 1-1-2 (1 snapshot pair(s))',
        '- cutover attempt 1: step postponed',
      ].join('\n'),
    );
    expect(seen.cutOverAtGate.currentDetails).toContain('next: postponed: send signal releaseCutOver');

    expect(seen.done.currentDetails).toMatch(/^\*\*done\*\* · /);
    expect(seen.done.currentDetails).toContain('result: 200 rows copied');
    expect(seen.done.currentDetails).toContain(
      'source tables renamed: `shop.order-lines` → `shop._order-lines_del`, `shop.items` → `shop._items_del`',
    );
    expect(seen.done.currentDetails).not.toContain('next:');

    // The UI's signal form and query list read these.
    const release = seen.done.signals.find((s) => s.name === 'releaseCutOver');
    expect(release?.description).toMatch(/Releases a postponed cutover/);
    expect(seen.done.signals.map((s) => s.name).sort()).toEqual(
      [
        'completeMove',
        'cutOverProgress',
        'pause',
        'releaseCutOver',
        'resume',
        'retryCutOver',
        'revertCutOver',
        'setChunkSize',
        'verifyMove',
      ].sort(),
    );
    expect(seen.done.signals.every((s) => s.description && s.description !== s.name)).toBe(true);
    expect(seen.done.queries.find((q) => q.name === 'status')?.description).toMatch(/phase, rows copied/);

    // Every activity carries a summary; T1's is the RENAME it runs, its fence included.
    expect(seen.moveSummaries.every((a) => a.summary)).toBe(true);
    expect(seen.cutOverSummaries.every((a) => a.summary)).toBe(true);
    expect(seen.cutOverSummaries.find((a) => a.activity === 'renameSourceTables')?.summary).toMatch(
      /^T1 on source: RENAME TABLE `shop`\.`order-lines` TO `shop`\.`_order-lines_del`, `shop`\.`items` TO `shop`\.`_items_del`, `shop`\.`(_mt_fence_[0-9a-f]{16})` TO `shop`\.`\1_fwd` \(lock wait ≤ 3 s\)$/,
    );
    expect(seen.cutOverSummaries.find((a) => a.activity === 'awaitDrain')?.summary).toMatch(
      /^T3: wait until target has applied 1-1-10 /,
    );
    expect(seen.moveSummaries.find((a) => a.activity === 'copyRows')?.summary).toBe(
      'copy shop.order-lines: chunks of 5000 rows',
    );
    expect(seen.cutOverStaticSummary).toBe('cutover attempt 1: shop.order-lines, shop.items source → target');
    expect(seen.streamStaticSummary).toBe('binlog stream from 1-1-1: shop.order-lines, shop.items source → target');
  });
});
