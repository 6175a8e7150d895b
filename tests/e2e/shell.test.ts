import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, screenshot, startServe, watchConsole } from './serve-helper';
import type { ServedApp } from './serve-helper';

let app: ServedApp;
let browser: Browser;

before(async () => {
  app = await startServe(['--no-sample']);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

const pages = [
  { id: 'datasets', heading: 'Datasets', empty: 'datasets-empty' },
  { id: 'runs', heading: 'Runs', empty: 'runs-empty' },
  { id: 'compare', heading: 'Compare', empty: 'compare-empty' },
  { id: 'inspect', heading: 'Inspect', empty: 'inspect-empty' },
  { id: 'settings', heading: 'Settings', empty: null },
];

test('every page opens by clicking its link, with no console error', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = watchConsole(page);
  await page.goto(app.url);
  // The token in the address is traded for a cookie and removed from the address bar.
  assert.doesNotMatch(page.url(), /token=/);
  for (const { id, heading, empty } of pages) {
    await page.getByTestId(`nav-${id}`).click();
    await page.getByTestId(`page-${id}`).waitFor();
    assert.equal(await page.locator('h1').textContent(), heading);
    if (empty) await page.getByTestId(empty).waitFor();
    await screenshot(page, `page-${id}`);
  }
  await page.getByTestId('data-dir').waitFor();
  assert.equal(await page.getByTestId('data-dir').textContent(), app.dataDir);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the engine self-test runs from Settings with a progress bar, and can be stopped', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = watchConsole(page);
  await page.goto(app.url);
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('selftest-start').click();
  await page.getByTestId('selftest-progress').waitFor();
  await page.getByTestId('active-job').getByRole('progressbar').waitFor();
  await screenshot(page, 'selftest-running');
  await page.locator('[data-testid="job-row"][data-status="finished"]').first().waitFor({ timeout: 30_000 });

  await page.getByTestId('selftest-start').click();
  const running = page.locator('[data-testid="job-row"][data-kind="diagnostic"][data-status="running"]');
  assert.equal(
    await running
      .getByTestId('job-title')
      .first()
      .textContent()
      .then((t) => t?.startsWith('Engine self-test')),
    true,
  );
  await running.getByTestId('job-stop').click();
  await page.locator('[data-testid="job-row"][data-status="cancelled"]').first().waitFor({ timeout: 30_000 });
  await screenshot(page, 'selftest-done');
  assert.deepEqual(errors, []);
  await context.close();
});

test('Check GPU and backends lists each backend of the automatic order with its device or why not', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = watchConsole(page);
  await page.goto(app.url);
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('backend-check').click();
  await page.getByTestId('backend-probes').waitFor({ timeout: 60_000 });
  const rows = page.getByTestId('backend-probes').locator('li');
  assert.deepEqual(await rows.evaluateAll((items) => items.map((li) => li.getAttribute('data-testid'))), [
    'probe-tfjs-node-gpu',
    'probe-webgpu',
    'probe-tfjs-node',
    'probe-wasm',
  ]);
  // No GPU here: CUDA and WebGPU each say why they were passed over; wasm always starts.
  assert.equal(await page.getByTestId('probe-wasm').getAttribute('data-available'), 'true');
  assert.equal(await page.getByTestId('probe-webgpu').getAttribute('data-available'), 'false');
  assert.match(
    (await page.getByTestId('probe-webgpu').textContent()) ?? '',
    /WebGPU: (no adapter|the only adapter is .* a software adapter|Dawn needs libvulkan)/,
  );
  assert.match((await page.getByTestId('probe-tfjs-node-gpu').textContent()) ?? '', /tfjs-node-gpu (is not installed|is installed but)/);
  await page.getByTestId('backend-probes').scrollIntoViewIfNeeded();
  await screenshot(page, 'backend-check');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the dark theme follows the OS preference', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
  const page = await context.newPage();
  await page.goto(app.url);
  await page.getByTestId('page-datasets').waitFor();
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(background, 'rgb(21, 24, 29)');
  await screenshot(page, 'dark-datasets');
  await context.close();
});

test('without the token the server answers 401 and sends no page or data', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const response = await page.goto(`${app.origin}/`);
  assert.equal(response?.status(), 401);
  assert.match(await page.content(), /missing or wrong access token/);
  assert.doesNotMatch(await page.content(), /id="root"/);
  await context.close();
});
