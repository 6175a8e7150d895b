import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { encodeSafetensors, floatBytes } from '../helpers/safetensors';
import { seededValues } from '../helpers/seeded-weights';
import { startFakeHub } from '../helpers/fake-hub';
import type { FakeHub } from '../helpers/fake-hub';
import { torchvisionKeys } from '../helpers/timm-weights';
import { cutOffSelects, openApp, screenshot } from './serve-helper';
import type { OpenApp } from './serve-helper';

/**
 * Issue 30 with real clicks: the launch form puts a U-Net on a resnet18 encoder, finds its
 * ImageNet weights missing, downloads them from the hub (a local stand-in answering as the
 * Hugging Face hub does, at a slow line's pace) with a bar and the time left, and trains from them;
 * the run page names the weights file and the ImageNet normalisation.
 */

let hub: FakeHub;
let opened: OpenApp | undefined;
let page: Page;
let errors: string[];

/** timm's resnet18 model.safetensors as the hub serves it: torchvision's keys and fc, float32, seeded values. */
function timmResnet18(): Uint8Array {
  const keys: [string, number[], string][] = [...torchvisionKeys('resnet18'), ['fc.weight', [1000, 512], 'F32'], ['fc.bias', [1000], 'F32']];
  return encodeSafetensors(
    keys.map(([name, shape, dtype]) =>
      dtype === 'I64'
        ? { name, dtype, shape, bytes: new Uint8Array(8) }
        : name.startsWith('fc.')
          ? { name, dtype: 'F32', shape, bytes: new Uint8Array(shape.reduce((a, b) => a * b, 1) * 4) }
          : { name, dtype: 'F32', shape, bytes: floatBytes(seededValues(30, name, shape), 'F32') },
    ),
  );
}

before(async () => {
  const bytes = timmResnet18();
  // About 4 s for the 46.8 MB file: long enough for the bar to show its time left.
  hub = await startFakeHub([{ repo: 'timm/resnet18.a1_in1k', bytes }], { bytesPerSecond: 12e6 });
  process.env.SEGBENCH_HUB_URL = hub.url;
  opened = await openApp({ width: 1280, height: 900 }, { waitForSample: true });
  ({ page, errors } = opened);
});

after(async () => {
  await opened?.close();
  await hub?.close();
});

test('New run: U-Net on resnet18, ImageNet weights downloaded from the form with a bar, then trained from them', async () => {
  await page.getByTestId('nav-runs').click();
  await page.getByTestId('run-new').click();
  await page.getByTestId('launch-form').waitFor();
  await page.getByTestId('preset-quick').click();
  await page.getByTestId('form-encoder').selectOption('resnet18');
  // The SMP U-Net has its own decoder: no depth or width to set; the size steps by 32.
  assert.equal(await page.getByTestId('form-depth').count(), 0);
  assert.equal(await page.getByTestId('form-width').count(), 0);
  await page.getByTestId('form-size').fill('48');
  assert.match((await page.getByTestId('error-inputSize').textContent()) ?? '', /must be a multiple of 32\. Nearest valid: 32 or 64/);
  await page.getByTestId('form-size').fill('64');
  assert.equal(await page.getByTestId('form-encoder-weights').inputValue(), 'imagenet');
  assert.deepEqual(await cutOffSelects(page, 'encoder-section'), [], 'the encoder and its weights are readable in their boxes');
  const missing = page.getByTestId('encoder-weights-missing');
  assert.match(
    (await missing.textContent()) ?? '',
    new RegExp(
      `resnet18\\.a1_in1k is not on this machine yet: about 47 MB from the Hugging Face hub \\(${hub.url.replace(/[.:/]/g, '\\$&')}/timm/resnet18\\.a1_in1k/resolve/main/model\\.safetensors\\)`,
    ),
  );
  await screenshot(page, 'encoder-weights-missing');

  await page.getByTestId('encoder-weights-download').click();
  const bar = page.getByTestId('encoder-weights-progress');
  await bar.waitFor();
  await page.waitForFunction(() => /\d+s left/.test(document.querySelector('[data-testid="encoder-weights-progress-eta"]')?.textContent ?? ''), undefined, {
    timeout: 15_000,
  });
  assert.match((await page.getByTestId('encoder-weights-progress-text').textContent()) ?? '', /^\d+\.\d MB of 46\.8 MB$/);
  await screenshot(page, 'encoder-weights-downloading');
  const status = page.getByTestId('encoder-weights-status');
  await status.waitFor({ timeout: 60_000 });
  assert.match(
    (await status.textContent()) ?? '',
    /^resnet18\.a1_in1k is on this machine \(46\.8 MB, sha256 [0-9a-f]{12}…\)\. The input is normalised with ImageNet’s mean and std\.$/,
  );
  assert.ok(
    hub.requests.some((r) => r.server === 'cdn' && r.status === 200),
    'the bytes came from the CDN the hub redirected to',
  );

  await page.getByTestId('form-batch').fill('2');
  await page.getByTestId('form-epochs').fill('1');
  await page.getByTestId('form-steps').fill('1');
  await page.getByTestId('form-backend').selectOption('wasm');
  await page.getByTestId('form-name').fill('resnet18 from ImageNet');
  await screenshot(page, 'encoder-form-ready');
  await page.getByTestId('form-launch').click();
  await page.locator('[data-testid="run-view"] [data-testid="run-status"][data-status="finished"]').waitFor({ timeout: 180_000 });
  assert.match(
    (await page.getByTestId('run-view').locator('p.subtitle').first().textContent()) ?? '',
    /^unet on resnet18 \(resnet18\.a1_in1k\) · 64x64, batch 2/,
  );
  const events = (await page.getByTestId('run-events').textContent()) ?? '';
  assert.match(
    events,
    /Encoder resnet18 started from resnet18\.a1_in1k \(sha256 [0-9a-f]{12}…, asked as "imagenet"\): 100 tensors loaded; the ImageNet classifier left out/,
  );
  assert.match(events, /Input normalised with ImageNet's mean and std/);
  const row = (key: string) => page.locator(`[data-testid="run-config-row"][data-key="${key}"]`);
  assert.match((await row('modelOptions.encoder').textContent()) ?? '', /resnet18/);
  assert.match((await row('encoderWeightsFile.name').textContent()) ?? '', /resnet18\.a1_in1k/);
  await screenshot(page, 'encoder-run-finished');
  assert.deepEqual(errors, []);
});
