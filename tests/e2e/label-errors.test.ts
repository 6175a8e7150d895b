import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { plantedErrorFolder } from '../helpers/planted-errors';
import { importThroughWizard, openApp, screenshot } from './serve-helper';
import type { OpenApp } from './serve-helper';

let opened: OpenApp | undefined;
let page: Page;
let errors: string[];

before(async () => {
  opened = await openApp({ width: 1440, height: 900 });
  ({ page, errors } = opened);
});
after(() => opened?.close());

test('find label errors on a planted-error set, open the worst image, accept the prediction in its suspect region with one key; the next image opens and the queue counts the correction', async () => {
  const folder = await plantedErrorFolder(12, 32, [4]);
  const card = await importThroughWizard(page, folder.dir, 'planted');
  await card.getByTestId('dataset-open').click();
  await page.getByTestId('tab-label-errors').click();

  await page.getByTestId('label-errors-folds').selectOption('3');
  await page.getByTestId('label-errors-epochs').fill('40');
  await page.getByTestId('label-errors-size').fill('32');
  assert.match((await page.getByTestId('label-errors-plan').textContent()) ?? '', /^3 folds x 80 steps at 32 px \(240 training steps\), then 12 images predicted once each/);
  await page.getByTestId('label-errors-start').click();
  await page.getByTestId('label-errors-progress').waitFor();
  await screenshot(page, 'label-errors-running');
  await page.getByTestId('label-errors-item').first().waitFor({ timeout: 240_000 });
  assert.match((await page.getByTestId('label-errors-counts').textContent()) ?? '', /12 images · 0 reviewed · 0 corrected/);
  const first = page.getByTestId('label-errors-item').first();
  assert.match((await first.textContent()) ?? '', new RegExp(`^1${folder.planted[0]}`));
  assert.match((await first.textContent()) ?? '', /Background → Building/);
  await screenshot(page, 'label-errors-queue');

  await first.click();
  const viewer = page.getByTestId('label-error-viewer');
  await viewer.getByTestId('label-error-region-1').waitFor();
  assert.match((await viewer.getByTestId('label-error-regions').textContent()) ?? '', /Region 1: \d+ px, labelled Background, looks like Building/);
  await screenshot(page, 'label-errors-viewer');
  await page.keyboard.press('a');
  // The corrected image leaves the queue and the next one opens in the viewer.
  await page.locator('[data-testid="label-error-viewer"] .viewer-bar strong', { hasNotText: folder.planted[0]! }).waitFor();
  await page.getByTestId('label-errors-counts').filter({ hasText: '1 reviewed · 1 corrected' }).waitFor();
  await page.getByTestId('label-error-close').click();
  const stems = await page.locator('[data-testid="label-errors-item"] td:nth-child(2)').allTextContents();
  assert.equal(stems.length, 11);
  assert.ok(!stems.includes(folder.planted[0]!));
  assert.match((await page.locator('.page-header, header').first().textContent()) ?? '', /1 mask corrected/);
  await screenshot(page, 'label-errors-after');
  assert.deepEqual(errors, []);
});
