import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { mulberry32 } from '../../src-shared/splits';
import { kelpBandNames, kelpNodata, renderKelpScene } from '../../src-main/engine/synthetic/kelp-scene';
import { writeGeoTiff } from '../../src-main/geotiff/geotiff-io';
import { tempDir } from '../helpers/services';
import { fillTinyRun, openApp, screenshot } from './serve-helper';
import type { OpenApp } from './serve-helper';

let opened: OpenApp | undefined;
let page: Page;
let errors: string[];

before(async () => {
  opened = await openApp({ width: 1440, height: 900 });
  ({ page, errors } = opened);
});
after(() => opened?.close());

/** Eight 7-band kelp tiles of 96 px with index masks, as GeoTIFFs on a UTM grid. */
async function kelpFolder(): Promise<string> {
  const dir = tempDir();
  mkdirSync(join(dir, 'images'));
  mkdirSync(join(dir, 'masks'));
  for (let i = 0; i < 8; i += 1) {
    const scene = renderKelpScene(96, mulberry32(5 + i));
    const georeference = { epsg: 32610, geoKeys: { GTModelTypeGeoKey: 1, GTRasterTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32610 }, geotransform: [400_000 + i * 2880, 30, 0, 3_900_000, 0, -30] as [number, number, number, number, number, number] };
    await writeGeoTiff(join(dir, 'images', `kelp_${i}.tif`), scene.bands, { width: 96, height: 96, bands: 7, georeference, nodata: kelpNodata, names: kelpBandNames });
    await writeGeoTiff(join(dir, 'masks', `kelp_${i}.tif`), scene.classes, { width: 96, height: 96, bands: 1, georeference });
  }
  return dir;
}

test('a 7-band GeoTIFF set: band statistics, band views with values under the cursor, and a run on chosen bands plus NDVI', async () => {
  const dir = await kelpFolder();
  await page.getByTestId('import-open').click();
  await page.getByTestId('import-images').fill(join(dir, 'images'));
  await page.getByTestId('import-masks').fill(join(dir, 'masks'));
  await page.getByTestId('import-check').click();
  await page.getByTestId('scan-report').waitFor();
  await page.getByTestId('import-name').fill('kelp');
  await page.getByTestId('import-start').click();
  const card = page.locator('[data-testid="dataset-card"]', { hasText: 'kelp' });
  await card.and(page.locator('[data-state="ready"]')).waitFor({ timeout: 60_000 });
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
  assert.equal(await values.locator('tr').count(), 7);
  assert.match((await values.textContent()) ?? '', /SWIR\d+NIR\d+Red\d+/);
  await screenshot(page, 'multispectral-viewer-ndvi');
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
