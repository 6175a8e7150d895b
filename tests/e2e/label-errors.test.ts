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

test('find label errors on a planted-error set: fold models of one pass are too weak to judge and the queue says so; stronger ones open the worst image, accept the prediction in its suspect region with one key; the next image opens and the queue counts the correction', async () => {
  const folder = await plantedErrorFolder(12, 32, [4]);
  const card = await importThroughWizard(page, folder.dir, 'planted');
  await card.getByTestId('dataset-open').click();
  await page.getByTestId('tab-label-errors').click();

  await page.getByTestId('label-errors-folds').selectOption('3');
  await page.getByTestId('label-errors-size').fill('32');
  // Each pixel seen once (2 steps per fold model): the strength gate says the check is too weak to judge, overall and for Background.
  await page.getByTestId('label-errors-epochs').fill('1');
  const plan = page.getByTestId('label-errors-plan');
  await plan.filter({ hasText: /^3 folds x 2 steps at 32 px: each pixel about once \(6 training steps\), then 12 images predicted once each/ }).waitFor();
  await page.getByTestId('label-errors-start').click();
  const tooWeak = page.getByTestId('label-errors-too-weak');
  await tooWeak.waitFor({ timeout: 240_000 });
  assert.match((await tooWeak.textContent()) ?? '', /^Too weak to judge: the fold models' out-of-fold mIoU is 0\.\d\d, below 0\.25, so this ranking is likely no better than chance\. Train stronger fold models: more epochs per fold, a larger input size, pretrained encoder weights/);
  const weakClasses = await page.getByTestId('label-errors-weak-class').allTextContents();
  assert.ok(weakClasses.some((text) => /^Background: too weak to judge\. The models give its own pixels 0\.\d\d on average and other classes' pixels 0\.\d\d \(its pixel share is 0\.8\d\).*Train stronger fold models/.test(text)), weakClasses.join('\n'));
  assert.match((await page.getByTestId('label-errors-strength-figures').textContent()) ?? '', /^Fold models: out-of-fold mIoU 0\.\d\d \(folds [\d., ]+\)\. Per class, self-confidence \/ on other classes' pixels \/ pixel share: Background /);
  await screenshot(page, 'label-errors-too-weak');

  // Each pixel seen 40 times: strong enough, no notice.
  const weakId = Number(await page.getByTestId('label-errors-check').inputValue());
  await page.getByTestId('label-errors-epochs').fill('40');
  await plan.filter({ hasText: /^3 folds x 80 steps at 32 px: each pixel about 40 times \(240 training steps\), then 12 images predicted once each/ }).waitFor();
  await page.getByTestId('label-errors-start').click();
  await page.getByTestId('label-errors-progress').waitFor();
  await screenshot(page, 'label-errors-running');
  // The new check is the one shown, once it has finished (the weak one stays in the list).
  await page.locator('[data-testid="label-errors-check"] option:checked', { hasText: `#${weakId + 1} · 3 folds · finished` }).waitFor({ state: 'attached', timeout: 240_000 });
  await page.getByTestId('label-errors-strength-figures').waitFor();
  assert.equal(await tooWeak.count(), 0);
  assert.equal(await page.getByTestId('label-errors-weak-class').count(), 0, (await page.getByTestId('label-errors-weak-class').allTextContents()).join('\n'));
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
