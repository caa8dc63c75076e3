// The Temporal Web UI path, in a real browser (Debian's Chromium driven by playwright-core) against
// this run's dev server and a real worker: start `moveTables` with the UI's Start Workflow form,
// find it listed under its phase, read the postponed cutover in its current details, release it
// with the UI's signal form, and see it complete with the result in its details. A failing step
// saves a screenshot and names it in the failure.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moveStatusQuery } from '../../contract/definitions.js';
import { TASK_QUEUE } from '../../contract/move.js';
import { moveWorkflowId } from '../../contract/tables.js';
import { cacheDir } from '../../dev/stack/paths.js';
import { ensureChromium } from '../../dev/stack/prereqs.js';
import { cleanupAfterEach } from '../support/cleanups.js';
import { saveHistory } from '../support/histories.js';
import { createSourceTable } from '../support/move-fixture.js';
import { stack, startWorker, temporalClient } from '../support/stack.js';
import { statusReaches } from '../support/waiting.js';

const defer = cleanupAfterEach();
const POLL = { timeout: 15_000 };
const SCREENSHOTS = path.join(cacheDir, 'ui-test-screenshots');
// As root on a closed network: no sandbox, and none of Chromium's own network traffic.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: ensureChromium(), args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
});

/** Runs one step of the walk; on failure saves what the page showed and names the file. */
async function step<T>(page: Page, name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const file = path.join(SCREENSHOTS, `${new Date().toISOString().replace(/[:.]/g, '-')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
    throw new Error(`UI step "${name}" failed (screenshot: ${file}): ${(err as Error).message}`, { cause: err });
  }
}

/** The UI renders some parts twice (one hidden): the visible one. */
const visible = (locator: Locator) => locator.filter({ visible: true }).first();

/** The page's main content as a person reads it, with the frames it embeds (the UI renders current details' markdown in one). */
async function mainText(page: Page): Promise<string> {
  const frames = page.mainFrame().childFrames();
  const embedded = await Promise.all(
    frames.map((f) =>
      f
        .locator('body')
        .innerText()
        .catch(() => ''),
    ),
  );
  return [await visible(page.locator('main')).innerText(), ...embedded].join('\n');
}

/** Reloads `url` until its main content shows `text` (the UI reads state when the page loads). */
async function reloadUntil(page: Page, url: string, text: string | RegExp): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    await page.goto(url);
    try {
      await expect.poll(() => mainText(page), { timeout: 5_000 }).toMatch(text);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
  }
}

describe('the Temporal Web UI (real browser, dev server UI)', () => {
  it('starts a postponed move from the form, lists it by phase, shows the gate, releases it by signal and shows the result', async () => {
    const ui = stack().temporal.uiUrl;
    if (!ui) throw new Error('the test stack runs without its Web UI');
    const { database, source } = await createSourceTable('ui', 3_000);
    defer(() => source.end());
    const worker = await startWorker({ taskQueue: TASK_QUEUE });
    defer(() => worker.stop());
    const client = await temporalClient();
    const input = { source: 'source', target: 'target', database, tables: ['t'], postpone: true, reversible: false };
    const workflowId = moveWorkflowId(input);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    defer(() => page.close());

    await step(page, 'start-form', async () => {
      await page.goto(`${ui}/namespaces/default/workflows/start-workflow`);
      await page.getByTestId('workflowId').fill(workflowId);
      await page.getByTestId('taskQueue').fill(TASK_QUEUE);
      await page.getByTestId('workflowType').fill('moveTables');
      // The form looks the queue up once it is entered (and shifts the layout when it answers).
      await expect.poll(() => page.getByText('Task Queue is Active').count(), POLL).toBeGreaterThan(0);
      await page.locator('.cm-content').first().click();
      await page.keyboard.insertText(JSON.stringify(input));
      // The JSON editor hands its text to the form when it loses focus, as when a person moves on.
      await page.getByTestId('workflowType').click();
      await page.getByTestId('start-workflow-button').click();
      await expect.poll(() => page.getByText('Workflow started successfully').count(), POLL).toBeGreaterThan(0);
    });
    const move = client.workflow.getHandle(workflowId);
    const { runId } = await move.describe();
    const workflowUrl = `${ui}/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${runId}`;
    await statusReaches(
      'the postponed cutover',
      () => move.query(moveStatusQuery),
      (s) => Boolean(s.cutOver?.postponed),
    );

    await step(page, 'list-by-phase', () =>
      reloadUntil(
        page,
        `${ui}/namespaces/default/workflows?query=${encodeURIComponent('MoveTablesPhase="cutover"')}`,
        workflowId,
      ),
    );

    await step(page, 'details-postponed', () =>
      reloadUntil(
        page,
        `${workflowUrl}/user-metadata`,
        /Current Details[\s\S]*next: postponed: send signal releaseCutOver/,
      ),
    );
    await step(page, 'details-summaries', async () => {
      // Activity and child summaries ("Events with Metadata"): the copy and the cutover attempt.
      await expect.poll(() => mainText(page), POLL).toContain(`copy ${database}.t: chunks of 5000 rows`);
      await expect.poll(() => mainText(page), POLL).toContain(`cutover attempt 1: ${database}.t source → target`);
    });

    await step(page, 'signal-release', async () => {
      await page.goto(workflowUrl);
      await visible(page.getByRole('button', { name: 'More Actions' })).click();
      await visible(page.getByTestId('signal-button')).click();
      const modal = visible(page.getByTestId('signal-confirmation-modal'));
      await modal.getByTestId('signal-select-button').click();
      // The signal list comes from the workflow's own definitions, with their descriptions.
      // By its name: other signals' descriptions mention it (a postponed revert waits for it).
      const option = modal.locator('li', { hasText: /^\s*releaseCutOver/ });
      await expect.poll(() => option.innerText(), POLL).toContain('Releases a postponed cutover');
      await option.click();
      await modal.getByTestId('confirm-modal-button').click();
    });

    const result = await move.result();
    expect(result.rowsCopied).toBe(3_000);
    // Histories with summaries on every step, released by signal: later workflow changes replay them.
    await saveHistory('move-postponed-released-from-ui', move);
    await saveHistory('cutover-postponed-released', client.workflow.getHandle(`${workflowId}/cutover/1`));
    await step(page, 'completed', () => reloadUntil(page, workflowUrl, /Completed/));
    await step(page, 'details-result', () =>
      reloadUntil(page, `${workflowUrl}/user-metadata`, /Current Details[\s\S]*result: 3,000 rows copied/),
    );
  });
});
