import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { after, afterEach, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot, startServe, watchConsole } from './serve-helper';
import type { ServedApp } from './serve-helper';

/*
 * Issue 32 (6 and 7): a job waiting in the queue looks queued (with how many jobs are before it),
 * a running one shows its progress, a finished one stops saying it is busy, and a button of one
 * run or dataset follows only that run's or dataset's job. The label-error plan follows every
 * input that sizes it, and never shows a time measured for other inputs.
 */

const fixture = resolve('tests/fixtures/dubai-aerial');
const datasetName = 'Dubai';
const run = promisify(execFile);
async function segbench(dataDir: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['src-main/cli/segbench.cjs', ...args, '--data-dir', dataDir]);
  return stdout;
}

let app: ServedApp;
let browser: Browser;
let page: Page;
let errors: string[];

before(async () => {
  app = await startServe(['--no-sample']);
  await segbench(
    app.dataDir,
    'import',
    '--images',
    join(fixture, 'images'),
    '--masks',
    join(fixture, 'masks'),
    '--name',
    datasetName,
    '--preset',
    'dubai-aerial',
  );
  const config = join(mkdtempSync(join(tmpdir(), 'segbench-e2e-states-')), 'tiny.json');
  writeFileSync(
    config,
    JSON.stringify({
      model: 'unet',
      modelOptions: { depth: 2, width: 4 },
      inputSize: 64,
      batchSize: 4,
      epochs: 1,
      stepsPerEpoch: 2,
      backend: 'wasm',
      name: 'tiny A',
    }),
  );
  await segbench(app.dataDir, 'train', '--dataset', datasetName, '--config', config);
  // A second run made of the dataset's own masks: it predicts without training.
  await segbench(app.dataDir, 'import-masks', '--masks', join(fixture, 'masks'), '--dataset', datasetName, '--name', 'masks B');
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  errors = watchConsole(page);
  await page.goto(app.url);
});

/** The self-test holding the queue, if a test left one (it failed before stopping it). */
let blocking: string | null = null;
afterEach(async () => {
  if (blocking) await call('jobs:cancel', { jobId: blocking });
  blocking = null;
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

/** One API call over the page's own WebSocket (its cookie carries the token). */
async function call(method: string, payload: unknown): Promise<{ ok: boolean; result?: { id: string }; error?: unknown }> {
  return page.evaluate(
    async ([m, p]) => {
      const ws = new WebSocket(`ws://${location.host}/api/ws`);
      await new Promise((done, fail) => {
        ws.onopen = done;
        ws.onerror = fail;
      });
      const reply = await new Promise<string>((done) => {
        // Events come on the same socket; the reply is the frame with the request's id.
        ws.onmessage = (message) => {
          const text = String(message.data);
          if ((JSON.parse(text) as { id?: number }).id === 1) done(text);
        };
        ws.send(JSON.stringify({ id: 1, method: m, payload: p }));
      });
      ws.close();
      return JSON.parse(reply) as { ok: boolean; result?: { id: string }; error?: unknown };
    },
    [method, payload] as const,
  );
}

/** A self-test that runs until stopped: every job queued after it waits. */
async function blockTheQueue(): Promise<string> {
  const started = await call('jobs:startDiagnostic', { steps: 100_000, stepMs: 100 });
  assert.ok(started.ok && started.result, JSON.stringify(started));
  blocking = started.result.id;
  await page.getByTestId('active-job').getByText('Engine self-test').waitFor();
  return started.result.id;
}

/** Chooses a run in Inspect's picker by its name. */
async function chooseRun(name: string): Promise<void> {
  const picker = page.getByTestId('inspect-run');
  const value = await picker.locator('option', { hasText: name }).getAttribute('value');
  await picker.selectOption(value ?? '');
}

async function unblock(jobId: string): Promise<void> {
  const stopped = await call('jobs:cancel', { jobId });
  assert.ok(stopped.ok, JSON.stringify(stopped));
  blocking = null;
}

test("queued jobs say so with their place in the queue; a run's Predict button follows only its own job; a finished prediction stops saying it is busy", async () => {
  const blocker = await blockTheQueue();

  // A dataset imported behind the running job: queued, one job ahead (not "indexing · starting…").
  await page.getByTestId('import-open').click();
  await page.getByTestId('import-images').fill(join(fixture, 'images'));
  await page.getByTestId('import-masks').fill(join(fixture, 'masks'));
  await page.getByTestId('import-check').click();
  await page.getByTestId('scan-report').waitFor();
  await page.getByTestId('import-name').fill('Queued import');
  await page.getByTestId('import-start').click();
  const card = page.locator('[data-testid="dataset-card"]', { hasText: 'Queued import' });
  await card.getByTestId('dataset-progress-text').filter({ hasText: 'queued, 1 ahead' }).waitFor();
  assert.equal(await card.locator('.badge').textContent(), 'queued');
  await screenshot(page, 'q67-dataset-queued');

  // Run B's prediction waits behind the self-test and the import; run A's button is not busy.
  await page.getByTestId('nav-inspect').click();
  await chooseRun('masks B');
  const predict = page.getByTestId('inspect-predict');
  await predict.click();
  await predict.filter({ hasText: /^Queued, 2 ahead$/ }).waitFor();
  assert.equal(await predict.isDisabled(), true);
  await screenshot(page, 'q67-inspect-queued');
  await chooseRun('tiny A');
  await predict.filter({ hasText: /^Predict validation images$/ }).waitFor();
  assert.equal(await predict.isDisabled(), false);

  // A folder prediction of run A, third in line; the sidebar lists the queue.
  const images = mkdtempSync(join(tmpdir(), 'segbench-e2e-folder-'));
  for (const name of ['tile2_image_part_001.jpg', 'tile2_image_part_002.jpg']) copyFileSync(join(fixture, 'images', name), join(images, name));
  const out = join(mkdtempSync(join(tmpdir(), 'segbench-e2e-out-')), 'predicted');
  mkdirSync(out);
  await page.getByTestId('predict-folder-open').click();
  await page.getByTestId('predict-folder-images').fill(images);
  await page.getByTestId('predict-folder-out').fill(out);
  await page.getByTestId('predict-folder-start').click();
  const message = page.getByTestId('predict-folder-message');
  await message.filter({ hasText: new RegExp(`^Queued, 3 ahead: will predict 2 images into ${out}`) }).waitFor();
  const queue = await page.getByTestId('sidebar-queued').allTextContents();
  assert.deepEqual(queue, ['Indexing dataset · queued, 1 ahead', 'Predicting · queued, 2 ahead', 'Predicting · queued, 3 ahead']);
  await screenshot(page, 'q67-sidebar-queue');

  // Once the self-test stops, the queue runs; the folder's message says what was done, not "Predicting…".
  await unblock(blocker);
  await message.filter({ hasText: new RegExp(`^Predicted 2 images into ${out}`) }).waitFor({ timeout: 120_000 });
  assert.doesNotMatch((await message.textContent()) ?? '', /Predicting|queued/i);
  await page.getByTestId('active-job').getByText('Engine idle').waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId('sidebar-queued').count(), 0);
  await screenshot(page, 'q67-predicted');
  await chooseRun('masks B');
  await predict.filter({ hasText: /^Predict again$/ }).waitFor();

  await page.getByTestId('nav-datasets').click();
  await card.and(page.locator('[data-state="ready"]')).waitFor({ timeout: 60_000 });
  assert.deepEqual(errors, []);
});

test('the label-error plan follows the input size: the preset names the size used, and a time measured at another size is never shown', async () => {
  await page.getByTestId('nav-datasets').click();
  await page.locator('[data-testid="dataset-card"]', { hasText: datasetName }).first().getByTestId('dataset-open').click();
  await page.getByTestId('tab-label-errors').click();
  const plan = page.getByTestId('label-errors-plan');
  const preset = page.locator('[data-testid="label-errors-source"] option[value="quick"]');
  await plan.filter({ hasText: / at 128 px: / }).waitFor();
  assert.equal(await preset.textContent(), 'Quick preset (U-Net, 128 px)');

  await page.getByTestId('label-errors-size').fill('64');
  await plan.filter({ hasText: / at 64 px: / }).waitFor();
  assert.equal(await preset.textContent(), 'Quick preset (U-Net, 64 px)');
  await page.getByTestId('label-errors-estimate').click();
  await plan.filter({ hasText: /at 64 px: .*: about \d+ min \([\d.]+ s a step/ }).waitFor({ timeout: 180_000 });
  await screenshot(page, 'q67-plan-measured');

  // Another size while the engine is busy: the new plan, its time being measured, never the 64 px figure.
  const blocker = await blockTheQueue();
  await page.getByTestId('label-errors-size').fill('96');
  await plan.filter({ hasText: / at 96 px: / }).waitFor();
  assert.equal(await preset.textContent(), 'Quick preset (U-Net, 96 px)');
  const text = (await plan.textContent()) ?? '';
  assert.doesNotMatch(text, /about \d+ min/);
  assert.match(text, /estimating the time…/);
  await screenshot(page, 'q67-plan-estimating');
  await unblock(blocker);
  await plan.filter({ hasText: /at 96 px: .*: about \d+ min \([\d.]+ s a step/ }).waitFor({ timeout: 180_000 });
  await screenshot(page, 'q67-plan-remeasured');
  assert.deepEqual(errors, []);
});
