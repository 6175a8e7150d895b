import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { presets } from '../../src-shared/classes';
import { cutOffSelects, fillTinyRun as fillTiny, openApp, screenshot } from './serve-helper';
import type { OpenApp } from './serve-helper';

let page: Page;
let errors: string[];

let opened: OpenApp | undefined;
before(async () => {
  opened = await openApp({ width: 1280, height: 800 }, { waitForSample: true });
  ({ page, errors } = opened);
});

after(() => opened?.close());

const fillTinyRun = (epochs: number): Promise<void> => fillTiny(page, { epochs });

const status = () => page.getByTestId('run-view').getByTestId('run-status');

test('out-of-range fields are refused in the form with the valid range', async () => {
  await page.getByTestId('nav-runs').click();
  await page.getByTestId('runs-empty').waitFor();
  await page.getByTestId('run-new').click();
  await page.getByTestId('launch-form').waitFor();
  await page.getByTestId('form-batch').fill('0');
  await page.getByTestId('form-size').fill('100');
  assert.match((await page.getByTestId('error-batchSize').textContent()) ?? '', /expected number to be >=1/);
  assert.match((await page.getByTestId('error-inputSize').textContent()) ?? '', /must be a multiple of 8\. Nearest valid: 96 or 104/);
  assert.equal(await page.getByTestId('form-launch').isDisabled(), true);
  await screenshot(page, 'runs-form-invalid');
});

test('launch from the form, watch the curve grow, stop, resume to the end', async () => {
  await fillTinyRun(6);
  await page.getByTestId('form-name').fill('tiny baseline');
  // Validating every 3 epochs: the estimate counts 2 validations of the 6 epochs (3 and 6).
  await page.getByTestId('form-validate-every').fill('3');
  await page.getByTestId('form-estimate').click();
  assert.match(
    (await page.getByTestId('form-estimate-result').textContent({ timeout: 60_000 })) ?? '',
    /About \d+ MiB per step on wasm; \d+\.\d\d s per step, so about \d+s per epoch of 3 steps\. A full validation of \d+ images takes about \d+.*\. Over 6 epochs: about \d+.* of training and \d+.* of validation \(2 validations\)\./,
  );
  await page.getByTestId('form-validate-every').fill('1');
  assert.match((await page.getByTestId('form-estimate-result').textContent()) ?? '', /\(6 validations\)\./);
  // Between full validations, 4 images: the curve still gains a point an epoch, the suite saves most of a minute.
  await page.getByTestId('form-validation-subset').fill('4');
  await page.getByTestId('form-launch').click();
  await page.getByTestId('run-view').waitFor();
  // The mIoU curve gains points as epochs arrive (events, no reload).
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-miou"]')?.getAttribute('data-points')) >= 2, undefined, {
    timeout: 90_000,
  });
  assert.match((await page.getByTestId('run-resources').textContent()) ?? '', /tfjs \d+ MiB in \d+ tensors · engine process \d+ MiB/);
  await screenshot(page, 'run-live');
  // Settings › Engine names the training job by its run, and asks before stopping it.
  await page.getByTestId('nav-settings').click();
  const trainRow = page.locator('[data-testid="job-row"][data-kind="train"][data-status="running"]');
  await trainRow
    .getByTestId('job-title')
    .getByText(/^Training run "tiny baseline"/)
    .waitFor();
  await trainRow.getByTestId('job-stop').click();
  assert.match((await trainRow.getByTestId('job-stop-confirm').textContent()) ?? '', /Stop run "tiny baseline"\? It ends as stopped and can be resumed/);
  await screenshot(page, 'settings-engine-jobs');
  await trainRow.getByTestId('job-stop-no').click();
  assert.equal(await trainRow.getAttribute('data-status'), 'running', 'keep training keeps it running');
  await page.goBack();
  await page.getByTestId('run-view').waitFor();
  await page.getByTestId('run-stop').click();
  await page.locator('[data-testid="run-view"] [data-testid="run-status"][data-status="stopped"]').waitFor({ timeout: 30_000 });
  await page.getByTestId('run-resume').click();
  await page.locator('[data-testid="run-view"] [data-testid="run-status"][data-status="finished"]').waitFor({ timeout: 120_000 });
  assert.equal(await status().getAttribute('data-status'), 'finished');
  assert.equal(await page.getByTestId('chart-miou').getAttribute('data-points'), '6');
  assert.match((await page.getByTestId('run-events').textContent()) ?? '', /Resumed after epoch \d/);
  assert.equal(await page.getByTestId('class-heatmap').getAttribute('data-classes'), '6');
  assert.equal(await page.getByTestId('class-heatmap').getAttribute('data-epochs'), '6');
  await screenshot(page, 'run-finished');
});

test('clone the run with another loss, then compare the two', async () => {
  await page.getByTestId('run-clone').click();
  await page.getByTestId('launch-form').waitFor();
  await page.waitForFunction(() => (document.querySelector('[data-testid="form-epochs"]') as HTMLInputElement | null)?.value === '6');
  await page.getByTestId('form-epochs').fill('3');
  await page.getByTestId('form-loss').selectOption('ce-dice');
  await page.getByTestId('form-name').fill('tiny ce-dice');
  await page.getByTestId('form-launch').click();
  await page.locator('[data-testid="run-view"] [data-testid="run-status"][data-status="finished"]').waitFor({ timeout: 120_000 });

  // The run page shows the whole config, grouped, with what differs from the defaults marked.
  const changed = await page.locator('[data-testid="run-config-row"][data-default="false"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')));
  for (const key of ['epochs', 'loss.name', 'inputSize', 'batchSize', 'backend'])
    assert.ok(changed.includes(key), `${key} is marked as changed: ${changed.join()}`);
  assert.equal(await page.locator('[data-testid="run-config-row"][data-key="optimizer.lr"]').getAttribute('data-default'), 'true');
  // The events log has each epoch and each checkpoint.
  const events = (await page.getByTestId('run-events').textContent()) ?? '';
  assert.match(events, /Epoch 3: train loss \d+\.\d{4}, validation loss \d+\.\d{4}, mIoU \d\.\d{3}, \d+\.\d s \(validation \d+\.\d s\)\./);
  // The clone keeps the 4-image subset between full validations; the last epoch validates on all.
  // Every epoch is judged on those 4 images for the best checkpoint, the last (full) one too.
  assert.match(
    events,
    /Checkpoints saved: last and best \(epoch 1 is the new best by mIoU \d\.\d{3} on the validation subset, 4 of \d+ images, the images every epoch is judged on\)\./,
  );
  // The header marks a best figure over the subset (when the best is not the last, full epoch).
  const header = (await page.locator('.run-status-row').textContent()) ?? '';
  const bestEpoch = Number(/best mIoU \d\.\d{3} at epoch (\d)/.exec(header)?.[1]);
  if (bestEpoch < 3) assert.match((await page.getByTestId('run-best-subset').textContent()) ?? '', /\(on the validation subset, 4 of \d+ images\)/);
  else assert.equal(await page.getByTestId('run-best-subset').count(), 0);
  // Per-class IoU lines use the dataset's class colours.
  const legend = page.locator('[data-testid="chart-class-iou"] .chart-legend li');
  const sampleColors = presets.find((p) => p.id === 'segbench-sample')!.classes.map((c) => c.color);
  assert.deepEqual(await legend.evaluateAll((items) => items.map((i) => i.getAttribute('data-color'))), sampleColors);
  assert.deepEqual(
    await legend.evaluateAll((items) => items.filter((i) => i.getAttribute('data-outlined') === 'true').map((i) => i.textContent?.trim())),
    ['Cropland'],
    'the pale yellow of Cropland gets a dark outline',
  );
  // The lines are drawn in those colours. Classes whose curves coincide (two at IoU 0 after 3 tiny
  // epochs) hide one another, so the test asks for pixels of at least three class colours.
  const drawn = await page.locator('[data-testid="chart-class-iou"] canvas').evaluate((canvas: HTMLCanvasElement, colours: string[]) => {
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    const seen = new Set<string>();
    for (let i = 0; i < data.length; i += 4)
      if (data[i + 3] === 255) seen.add('#' + [data[i], data[i + 1], data[i + 2]].map((v) => v!.toString(16).padStart(2, '0')).join(''));
    return colours.filter((c) => seen.has(c.toLowerCase()));
  }, sampleColors);
  assert.ok(drawn.length >= 3, `class colours drawn: ${drawn.join(' ')}`);
  // Hovering shows the exact values of the nearest epoch.
  const canvas = page.locator('[data-testid="chart-class-iou"] canvas');
  const box = (await canvas.boundingBox())!;
  await canvas.hover({ position: { x: box.width - 14, y: box.height / 2 } });
  assert.match((await page.getByTestId('chart-class-iou-tooltip').textContent()) ?? '', /^epoch 3.*Forest: \d\.\d{3}/);
  await screenshot(page, 'run-chart-hover');
  await page.getByTestId('run-config').scrollIntoViewIfNeeded();
  await screenshot(page, 'run-config');

  // Issue 29: the model out as ONNX from the run page, with its sidecar; never over a file.
  const onnxPath = join(mkdtempSync(join(tmpdir(), 'segbench-onnx-')), 'tiny-ce-dice.onnx');
  await page.getByTestId('run-export-open').click();
  await page.getByTestId('run-export-path').fill(onnxPath);
  await page.getByTestId('run-export-start').click();
  assert.match(
    (await page.getByTestId('run-export-done').textContent({ timeout: 60_000 })) ?? '',
    /Exported the best checkpoint \(epoch \d\) to .*tiny-ce-dice\.onnx \([\d.]+ [KM]iB, opset 17\); metadata in .*tiny-ce-dice\.onnx\.json\. Input "image": NHWC float32 with 3 channels, height and width multiples of 4; output "logits": 6 classes\./,
  );
  assert.ok(existsSync(onnxPath) && existsSync(`${onnxPath}.json`));
  await screenshot(page, 'run-export');
  await page.getByTestId('run-export-start').click();
  await page
    .getByTestId('run-export')
    .getByText(/already exists; SegBench never replaces a file/)
    .waitFor();

  // Keep notes about the run, export a chart, then find it in the table by its tag.
  await page.getByTestId('meta-tags').fill('dice, tiny');
  await page.getByTestId('meta-notes').fill('CE + Dice on the sample');
  await page.getByTestId('meta-save').click();
  await page.getByTestId('run-meta').getByText('Saved.').waitFor();
  const download = page.waitForEvent('download');
  await page.getByTestId('chart-miou-png').click();
  assert.equal((await download).suggestedFilename(), 'Validation mIoU.png');

  await page.getByTestId('nav-runs').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length === 2);
  assert.match((await page.getByTestId('runs-table').textContent()) ?? '', /tiny ce-dicedicetiny/);
  await page.getByTestId('class-column').selectOption('Forest');
  await page.getByTestId('sort-classIou').click();
  assert.match((await page.getByTestId('sort-classIou').textContent()) ?? '', /Forest IoU/);
  await page.getByTestId('sort-miou').click();
  await screenshot(page, 'runs-table');

  await page.getByTestId('nav-compare').click();
  const boxes = page.getByTestId('compare-run');
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  await page.getByTestId('compare-table').waitFor();
  assert.equal(await page.locator('[data-testid="compare-table"] tbody tr').count(), 7);
  // The config diff: run names as column headers, the form's names for the settings, only what differs.
  const runOrder = await page.locator('[data-testid="compare-table"] thead [data-testid="compare-run-name"]').allTextContents();
  // Each run's column says which epoch its figures are from, and over how many images when a subset.
  for (const [i, text] of (await page.getByTestId('compare-epoch-images').allTextContents()).entries()) {
    const last = runOrder[i] === 'tiny baseline' ? 6 : 3;
    const epoch = Number(/^epoch (\d)/.exec(text)?.[1]);
    assert.match(text, epoch < last ? /^epoch \d, validation subset \(4 of \d+ images\)$/ : /^epoch \d$/, text);
  }
  assert.deepEqual(await page.locator('[data-testid="config-diff"] thead th').allTextContents(), ['Setting', ...runOrder]);
  const diff = await page
    .locator('[data-testid="config-diff"] tbody tr')
    .evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll('th, td'), (c) => c.textContent)));
  const byRun = (values: Record<string, string>) => runOrder.map((name) => values[name]);
  assert.deepEqual(diff, [
    ['Epochs', ...byRun({ 'tiny baseline': '6', 'tiny ce-dice': '3' })],
    ['Loss', ...byRun({ 'tiny baseline': 'ce', 'tiny ce-dice': 'ce-dice' })],
  ]);
  // Differences in IoU carry their unit.
  assert.match((await page.locator('[data-testid="compare-table"] .delta').first().textContent()) ?? '', /^ [+-]\d+\.\d points?$/);
  // Class rows carry the dataset's class colour.
  assert.equal(await page.locator('[data-testid="compare-table"] [data-testid="class-swatch"]').count(), 6);
  await page.locator('[data-testid="compare-chart"][data-series="2"]').waitFor();
  await screenshot(page, 'compare');
  // Any metric overlays: the validation loss, with an axis from 0; wall time from 0.
  await page.getByTestId('compare-metric').selectOption('valLoss');
  await page.getByTestId('compare-chart').getByText('Validation loss by epoch').waitFor();
  await page.getByTestId('compare-metric').selectOption('class:Water');
  await page.getByTestId('compare-by-time').check();
  await page.getByTestId('compare-chart').getByText('IoU of Water by wall time (s)').waitFor();
  // Axis ticks: the y axis shows 3 decimals, the x axis whole seconds; the first x tick is 0.
  const chart = page.getByTestId('compare-chart');
  const xTicks = (await chart.getAttribute('data-x-ticks'))!.split(' ');
  assert.equal(xTicks[0], '0', `the wall-time axis starts at 0: ${xTicks.join(' ')}`);
  assert.ok(xTicks.length >= 2 && xTicks.every((t) => /^\d+$/.test(t)), `whole seconds: ${xTicks.join(' ')}`);
  assert.match((await chart.getAttribute('data-y-ticks'))!, /^0\.000 0\.200 .* 1\.000$/);
  await screenshot(page, 'compare-class-by-time');

  // Both runs plain and with flip TTA, and their ensemble, evaluated in the engine and stored.
  await page.getByTestId('evaluate-start').click();
  await page.locator('[data-testid="evaluation"][data-status="finished"]').waitFor({ timeout: 180_000 });
  const variants = await page.locator('[data-testid="evaluation-table"] tbody th').allTextContents();
  assert.deepEqual(variants.slice(4), ['ensemble of 2', 'ensemble of 2 + TTA']);
  assert.equal(variants.filter((v) => v.endsWith(' + TTA')).length, 3);
  await page.getByTestId('evaluation-table').scrollIntoViewIfNeeded();
  await screenshot(page, 'compare-evaluation');

  // Archived runs leave the table until asked for.
  await page.getByTestId('nav-runs').click();
  await page.getByRole('link', { name: 'tiny baseline' }).click();
  await page.getByTestId('meta-archive').click();
  await page.getByTestId('run-meta').getByText('Archived.').waitFor();
  await page.getByTestId('nav-runs').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length === 1);
  await page.getByTestId('show-archived').check();
  assert.equal(await page.getByTestId('run-row').count(), 2);
  assert.deepEqual(errors, []);
});

test('inspect ranks validation images worst first; saved weights become a sampler choice', async () => {
  await page.getByTestId('nav-inspect').click();
  const runOption = await page.locator('[data-testid="inspect-run"] option', { hasText: 'tiny ce-dice' }).getAttribute('value');
  await page.getByTestId('inspect-run').selectOption(runOption!);
  await page.getByTestId('inspect-rank').click();
  await page.getByTestId('inspect-table').waitFor();
  const mious = (await page.locator('[data-testid="inspect-row"] td:nth-child(3)').allTextContents()).map(Number);
  assert.equal(mious.length, 40, 'the 40 validation images of the sample');
  assert.deepEqual(
    [...mious].sort((a, b) => a - b),
    mious,
  );
  await screenshot(page, 'inspect');
  // Ground truth, prediction and error map of the hardest image, side by side.
  await page.getByTestId('inspect-predict').click();
  await page
    .getByTestId('inspect-predictions')
    .getByText(/Validation predictions stored \(40 images/)
    .waitFor({ timeout: 120_000 });
  await page.getByTestId('inspect-row').first().click();
  await page.getByTestId('side-viewer').waitFor();
  await page.waitForFunction(() => /% of labelled pixels correct/.test(document.querySelector('[data-testid="side-accuracy"]')?.textContent ?? ''), undefined, {
    timeout: 30_000,
  });
  assert.match((await page.getByTestId('side-accuracy').textContent()) ?? '', /^\d+\.\d% of labelled pixels correct$/);
  await screenshot(page, 'inspect-side-by-side');
  await page.getByTestId('side-close').click();
  await page.getByTestId('inspect-save').click();
  await page
    .getByTestId('inspect-message')
    .getByText(/Saved weights for 160 training images/)
    .waitFor({ timeout: 120_000 });
  await page.getByTestId('nav-runs').click();
  await page.getByTestId('run-new').click();
  const option = page.locator('[data-testid="form-sampler"] option', { hasText: 'Hard samples: tiny ce-dice' });
  await option.waitFor({ state: 'attached' });
  assert.equal(await option.getAttribute('title'), 'Hard-sample weights saved from run tiny ce-dice (160 images)');
  // Each choice's text fits its box at 1280x800 (a cut-off dropdown hides what it says).
  await page.getByTestId('form-sampler').selectOption({ index: 1 });
  assert.deepEqual(await cutOffSelects(page, 'launch-form'), [], 'no dropdown text is cut off');
  await screenshot(page, 'launch-form');
  assert.deepEqual(errors, []);
});

test('the changed pages in the dark theme: run page, Compare, Settings › Engine', async () => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.getByTestId('nav-runs').click();
  await page.getByTestId('show-archived').check();
  await page.getByRole('link', { name: 'tiny ce-dice' }).click();
  await page.getByTestId('run-config').waitFor();
  await screenshot(page, 'dark-run-page');
  await page.getByTestId('nav-compare').click();
  await page.getByTestId('compare-run').nth(0).check();
  await page.getByTestId('compare-run').nth(1).check();
  await page.getByTestId('compare-table').waitFor();
  await screenshot(page, 'dark-compare');
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('jobs-table').waitFor();
  await screenshot(page, 'dark-settings-engine');
  await page.emulateMedia({ colorScheme: 'light' });
  assert.deepEqual(errors, []);
});
