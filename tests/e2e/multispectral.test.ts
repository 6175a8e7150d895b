import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { runSampleJob } from '../../src-main/engine/synthetic/sample-job';
import { silentContext } from '../helpers/job-context';
import { tempDir } from '../helpers/services';
import { fillTinyRun, importThroughWizard, openApp, screenshot } from './serve-helper';
import type { OpenApp } from './serve-helper';

let opened: OpenApp | undefined;
let page: Page;
let errors: string[];

before(async () => {
  opened = await openApp({ width: 1440, height: 900 });
  ({ page, errors } = opened);
});
after(() => opened?.close());

test('a 7-band GeoTIFF set: band statistics, band views with values under the cursor, and a run on chosen bands plus NDVI', async () => {
  // Eight 7-band kelp tiles of 96 px with index masks, as GeoTIFFs on a UTM grid.
  const dir = tempDir();
  await runSampleJob({ outDir: dir, count: 8, size: 96, seed: 5, kind: 'multispectral' }, silentContext());
  const card = await importThroughWizard(page, dir, 'kelp');
  await card.getByTestId('dataset-open').click();

  await page.getByTestId('tab-stats').click();
  const table = page.getByTestId('band-table');
  await table.waitFor();
  assert.equal(await table.locator('tbody tr').count(), 7);
  assert.match((await page.getByTestId('band-stats').locator('h2').textContent()) ?? '', /Bands: 7 x uint16/);
  assert.equal(await table.locator('tbody tr').nth(1).locator('input').inputValue(), 'NIR');
  await page.getByTestId('band-histogram-2').waitFor();
  await page.getByTestId('band-stats').scrollIntoViewIfNeeded();
  await screenshot(page, 'multispectral-band-stats');

  await page.getByTestId('tab-images').click();
  await page.getByTestId('thumb').first().click();
  const viewer = page.getByTestId('image-viewer');
  await viewer.waitFor();
  const views = await page.getByTestId('viewer-band-view').locator('option').allTextContents();
  assert.deepEqual(views.slice(0, 4), ['True colour (Red-Green-Blue)', 'False colour (NIR-Red-Green)', 'NDVI ramp (-1 to 1)', 'NDWI ramp (-1 to 1)']);
  await page.getByTestId('viewer-band-view').selectOption('nd:2,3');
  await page.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('[data-testid="image-viewer"] .stage img');
    return img?.src.includes('view=nd:2,3') && img.complete && img.naturalWidth === 96;
  });
  const box = (await page.getByTestId('viewer-viewport').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const values = page.getByTestId('viewer-band-values');
  await values.waitFor();
  // Seven bands, and the ramp's index under the cursor computed from two of them (nd:2,3).
  const rows = await values.locator('tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '')));
  assert.equal(rows.length, 8);
  assert.match(
    rows
      .slice(0, 7)
      .map((r) => r.join(''))
      .join(''),
    /SWIR\d+NIR\d+Red\d+/,
  );
  const [bandA, bandB] = [Number(rows[1]![1]), Number(rows[2]![1])];
  assert.equal(rows[7]![0], `(${rows[1]![0]} − ${rows[2]![0]}) / (${rows[1]![0]} + ${rows[2]![0]})`);
  assert.equal(rows[7]![1], ((bandA - bandB) / (bandA + bandB)).toFixed(3));
  assert.equal(await page.getByTestId('viewer-ramp-low').textContent(), '-1');
  await screenshot(page, 'multispectral-viewer-ndvi');
  // Any three bands as a composite: NIR as red over Green and Blue.
  await page.getByTestId('viewer-band-view').selectOption('custom');
  await page.getByTestId('viewer-composite-R').selectOption({ label: 'NIR' });
  await page.waitForFunction(() => document.querySelector<HTMLImageElement>('[data-testid="image-viewer"] .stage img')?.src.includes('view=rgb:2,4,5'));
  await page.getByTestId('viewer-close').click();

  await page.getByTestId('nav-runs').click();
  await page.getByTestId('run-new').click();
  await page.getByTestId('launch-form').waitFor();
  await page.getByTestId('form-dataset').selectOption({ label: 'kelp' });
  await page.getByTestId('form-channels').waitFor();
  await page.getByTestId('form-band-6').uncheck();
  await page.getByTestId('form-band-7').uncheck();
  await page.getByTestId('form-index-NDVI').check();
  assert.equal(await page.getByTestId('form-channels-summary').textContent(), '6 input channel(s): SWIR, NIR, Red, Green, Blue, NDVI');
  await fillTinyRun(page, { epochs: 2, name: 'kelp ndvi' });
  await page.getByTestId('form-channels').scrollIntoViewIfNeeded();
  await screenshot(page, 'multispectral-launch');
  await page.getByTestId('form-launch').click();
  await page.locator('[data-testid="run-view"] [data-testid="run-status"][data-status="finished"]').waitFor({ timeout: 120_000 });
  const config = (await page.getByTestId('run-view').textContent()) ?? '';
  assert.match(config, /unet · 64x64x6 \(5 bands \+ NDVI\), batch 8/);
  assert.match(config, /Input bands1, 2, 3, 4, 5/);
  assert.match(config, /Index channelsNDVI = \(b2 - b3\) \/ \(b2 \+ b3\)/);
  await screenshot(page, 'multispectral-run');
  assert.deepEqual(errors, []);
});
