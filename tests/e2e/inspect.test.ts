import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { fillTinyRun, openApp, screenshot, watchConsole } from './serve-helper';
import type { OpenApp, ServedApp } from './serve-helper';

let app: ServedApp;
let page: Page;
let errors: string[];
let hardest = '';
let originalMask: Buffer;

let opened: OpenApp | undefined;
before(async () => {
  opened = await openApp({ width: 1440, height: 900 }, { waitForSample: true });
  ({ app, page, errors } = opened);
});

after(() => opened?.close());

/** Pixel counts per class of the whole sample dataset, as its statistics table shows them. */
async function classPixels(): Promise<number[]> {
  await page.getByTestId('nav-datasets').click();
  await page.getByTestId('dataset-card').first().getByTestId('dataset-open').click();
  await page.getByTestId('tab-stats').click();
  await page.locator('[data-testid="stats-table"] tbody tr').nth(5).waitFor();
  const cells = await page.locator('[data-testid="stats-table"] tbody tr td:nth-child(2)').allTextContents();
  return cells.map((text) => Number(text.replace(/,/g, '')));
}

test('after a tiny run, Inspect lists the hardest validation image first and shows its error map', async () => {
  await page.getByTestId('nav-runs').click();
  await page.getByTestId('run-new').click();
  await fillTinyRun(page, { epochs: 2, name: 'tiny inspect' });
  await page.getByTestId('form-launch').click();
  await page.locator('[data-testid="run-view"] [data-testid="run-status"][data-status="finished"]').waitFor({ timeout: 180_000 });

  await page.getByTestId('nav-inspect').click();
  await page.getByTestId('inspect-predict').click();
  await page
    .getByTestId('inspect-predictions')
    .getByText(/Validation predictions stored \(40 images/)
    .waitFor({ timeout: 180_000 });
  await page.getByTestId('inspect-rank').click();
  await page.getByTestId('inspect-table').waitFor();
  const mious = (await page.locator('[data-testid="inspect-row"] td:nth-child(3)').allTextContents()).map(Number);
  assert.equal(mious.length, 40);
  assert.equal(mious[0], Math.min(...mious), 'the hardest image is first');
  hardest = (await page.locator('[data-testid="inspect-row"]').first().locator('td.mono').textContent()) ?? '';
  originalMask = readFileSync(join(app.dataDir, 'sample', 'masks', maskFileOf(hardest)));

  await page.getByTestId('inspect-row').first().click();
  await page.getByTestId('side-viewer').waitFor();
  await page.waitForFunction(() => /% of labelled pixels correct/.test(document.querySelector('[data-testid="side-accuracy"]')?.textContent ?? ''), undefined, {
    timeout: 30_000,
  });
  const accuracy = Number(/^([\d.]+)%/.exec((await page.getByTestId('side-accuracy').textContent()) ?? '')?.[1]);
  // The error map has as many painted pixels as the accuracy leaves wrong.
  const painted = await page.evaluate(`(() => {
    const canvas = document.querySelector('[data-testid="side-layer-2"]');
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n += 1;
    return [n, canvas.width * canvas.height];
  })()`);
  const [errorPixels, total] = painted as [number, number];
  assert.ok(errorPixels > 0, 'a two-epoch model makes errors on its hardest image');
  assert.ok(Math.abs(100 - (errorPixels / total) * 100 - accuracy) < 0.2, `${errorPixels} error px of ${total} vs ${accuracy}% correct`);
  await screenshot(page, 'inspect-error-map');
  // Hovering reads the pixel: its true class and the run's prediction; the error map has a legend.
  const errorPane = page.locator('.side-grid .pane').nth(3);
  const paneBox = (await errorPane.boundingBox())!;
  await page.mouse.move(paneBox.x + paneBox.width / 2, paneBox.y + paneBox.height / 2);
  assert.match(
    (await page.getByTestId('side-hover').textContent()) ?? '',
    /^x \d+, y \d+ · truth: (Bare land|Cropland|Forest|Water|Road|Building) · tiny inspect: (Bare land|Cropland|Forest|Water|Road|Building)( ✗)?$/,
  );
  assert.match((await page.getByTestId('side-error-legend').textContent()) ?? '', /Wrong pixels in the colour of their true class/);
  // Unticking a class hides its errors: fewer painted pixels, the same accuracy.
  await page.locator('.viewer-controls .class-toggles input').first().uncheck();
  await page.waitForFunction((before) => {
    const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="side-layer-2"]')!;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n += 1;
    return n < before;
  }, errorPixels);
  assert.match((await page.getByTestId('side-accuracy').textContent()) ?? '', new RegExp(`^${accuracy.toFixed(1).replace('.', '\\.')}%`));
  await page.locator('.viewer-controls .class-toggles input').first().check();

  // One class's false positives / negatives, then back to all errors.
  await page.getByTestId('side-mode').selectOption({ index: 1 });
  await page
    .getByTestId('side-accuracy')
    .getByText(/false positive and \d[\d,]* false negative px/)
    .waitFor();
  await page.getByTestId('side-mode').selectOption('all');
  assert.deepEqual(errors, []);
});

test('accept the prediction as ground truth, see the revision, undo and redo; statistics follow; the original file is untouched', async () => {
  await page
    .getByTestId('label-state')
    .getByText(/Original mask in effect \(0 revisions kept\)/)
    .waitFor();
  await page.getByTestId('side-close').click();
  const before = await classPixels();

  await page.getByTestId('nav-inspect').click();
  // Issue 32 (9): coming back, the ranking is still there, hardest first.
  await page.getByTestId('inspect-table').waitFor();
  assert.equal(await page.locator('[data-testid="inspect-row"] td.mono').first().textContent(), hardest);
  await page.getByTestId('inspect-rank').click();
  await page.getByTestId('inspect-row').first().click();
  await page.getByTestId('label-accept').click();
  await page.getByTestId('label-state').getByText('Revision 1 of 1 in effect.').waitFor();
  assert.match((await page.getByTestId('revision-item').textContent()) ?? '', /accepted the prediction of run "tiny inspect" \(whole image\) · [\d,]+ px/);
  // The ground truth now is the prediction: no errors left.
  await page.getByTestId('side-accuracy').getByText('100.0% of labelled pixels correct').waitFor();
  // Issue 32 (3): the viewer marks the corrected mask, with a Revert, as every viewer of a mask does.
  const marker = page.getByTestId('side-viewer').getByTestId('revision-marker');
  await marker.filter({ hasText: /^corrected · revision 1 of 1: accepted the prediction of run "tiny inspect" \(whole image\)/ }).waitFor();
  assert.equal(await marker.getByTestId('revision-revert').isEnabled(), true);
  await screenshot(page, 'inspect-accepted');

  // Ctrl+Z and Ctrl+Shift+Z undo and redo (focus is still on the Accept button).
  await page.keyboard.press('Control+z');
  await page.getByTestId('label-state').getByText('Original mask in effect (1 revision kept).').waitFor();
  await marker.filter({ hasText: /^Original mask in effect \(undone at .+; 1 correction kept\)/ }).waitFor();
  // The undo itself is recorded in the history: nothing is deleted.
  assert.match((await page.getByTestId('revision-moves').textContent()) ?? '', /undid revision 1, back to the original/);
  await page.waitForFunction(() => !/^100\.0%/.test(document.querySelector('[data-testid="side-accuracy"]')?.textContent ?? ''));
  await page.keyboard.press('Control+Shift+Z');
  await page.getByTestId('label-state').getByText('Revision 1 of 1 in effect.').waitFor();
  await page.getByTestId('side-accuracy').getByText('100.0% of labelled pixels correct').waitFor();

  // Paint a polygon on top: a second revision made on the first.
  await page.getByTestId('tool-polygon').click();
  const pane = page.locator('.side-grid .pane').nth(1);
  const box = (await pane.boundingBox())!;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  await page.mouse.click(cx - 40, cy - 40);
  await page.mouse.click(cx + 40, cy - 40);
  await page.mouse.click(cx + 40, cy + 40);
  await page.mouse.dblclick(cx - 40, cy + 40);
  await page.getByTestId('label-paint-class').selectOption({ index: 1 });
  await page.getByTestId('label-paint').click();
  await page.getByTestId('label-state').getByText('Revision 2 of 2 in effect.').waitFor();
  assert.equal(await page.getByTestId('revision-item').count(), 2);
  await screenshot(page, 'inspect-painted');
  await page.getByTestId('label-undo').click();
  await page.getByTestId('label-state').getByText('Revision 1 of 2 in effect.').waitFor();
  await page.getByTestId('side-close').click();

  const afterFix = await classPixels();
  assert.notDeepEqual(afterFix, before, 'the class statistics follow the corrected mask');
  assert.equal(
    afterFix.reduce((a, b) => a + b, 0),
    before.reduce((a, b) => a + b, 0),
    'the same pixels, relabelled',
  );
  assert.deepEqual(readFileSync(join(app.dataDir, 'sample', 'masks', maskFileOf(hardest))), originalMask, 'the original mask is byte-identical on disk');
  const revisionFiles = readdirSync(join(app.dataDir, 'revisions'), { recursive: true }).filter((f) => String(f).endsWith('.png'));
  assert.equal(revisionFiles.length, 2, 'both revisions are kept in the data directory');
  assert.deepEqual(errors, []);
});

test('export corrected dataset writes the images and the masks in effect to a new folder', async () => {
  await page.getByTestId('nav-datasets').click();
  await page.getByTestId('dataset-card').first().getByTestId('dataset-open').click();
  await page.getByText('1 mask corrected', { exact: false }).waitFor();
  await page.getByTestId('dataset-export').click();
  const out = join(mkdtempSync(join(tmpdir(), 'segbench-export-')), 'corrected');
  await page.getByTestId('export-dir').fill(out);
  await page.getByTestId('export-start').click();
  assert.match((await page.getByTestId('export-started').textContent()) ?? '', /Exporting 200 images into/);
  const manifestPath = join(out, 'segbench-export.json');
  for (let i = 0; i < 300 && !existsSync(manifestPath); i += 1) await new Promise((done) => setTimeout(done, 100));
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { images: number; corrected: { stem: string; mask: string }[] };
  assert.equal(manifest.images, 200);
  assert.deepEqual(
    manifest.corrected.map((c) => c.stem),
    [hardest],
  );
  assert.equal(readdirSync(join(out, 'masks')).length, 200);
  assert.notDeepEqual(readFileSync(join(out, 'masks', manifest.corrected[0]!.mask)), originalMask, 'the exported mask is the correction');
  await screenshot(page, 'dataset-export');
  await page.getByTestId('export-dialog').getByRole('button', { name: 'Close' }).click();
  assert.deepEqual(errors, []);
});

test('the confusion matrix lists the images behind a cell; the review queue orders images by confident disagreement', async () => {
  await page.getByTestId('nav-inspect').click();
  await page.getByTestId('inspect-tab-confusion').click();
  await page.getByTestId('confusion-matrix').waitFor();
  // Every truth row of the matrix sums to 100% (rounding aside).
  const rows = await page.locator('[data-testid="confusion-matrix"] tbody tr').all();
  assert.equal(rows.length, 6);
  for (const row of rows) {
    const values = (await row.locator('td').allTextContents()).map((t) => Number.parseFloat(t));
    const sum = values.reduce((a, b) => a + b, 0);
    assert.ok(sum === 0 || Math.abs(sum - 100) < 0.5, `row sums to ${sum}`);
  }
  const cell = page.locator('[data-testid^="confusion-"] >> css=button.cell-button:not([disabled])').first();
  await cell.click();
  await page.getByTestId('confusion-images').waitFor();
  const title = (await page.getByTestId('confusion-cell-title').textContent()) ?? '';
  await screenshot(page, 'inspect-confusion');
  await page.getByTestId('confusion-images-row').first().click();
  await page.getByTestId('side-viewer').waitFor();
  const [, predicted, truth] = /Predicted (.+) where the truth is (.+)/.exec(title)!;
  await page.getByText(`Predicted ${predicted} where truth is ${truth}`, { exact: false }).first().waitFor();
  await page
    .getByTestId('side-accuracy')
    .getByText(/px \([\d.]+%\) in this confusion/)
    .waitFor();
  await page.getByTestId('side-close').click();

  await page.getByTestId('inspect-tab-review').click();
  await page.getByTestId('review-threshold').selectOption('0.5');
  // A two-epoch model is rarely sure of anything: the queue may be empty, and says so.
  await page.locator('[data-testid="review-queue"], [data-testid="review-queue-empty"]').first().waitFor();
  const shares = (await page.locator('[data-testid="review-queue-row"] td:nth-child(4)').allTextContents()).map((t) => Number.parseFloat(t));
  if (shares.length === 0) assert.match((await page.getByTestId('review-queue-empty').textContent()) ?? '', /No image has confidently wrong pixels/);
  assert.deepEqual(
    [...shares].sort((a, b) => b - a),
    shares,
    'largest share of confidently wrong pixels first',
  );
  await screenshot(page, 'inspect-review-queue');
  assert.deepEqual(errors, []);
});

function maskFileOf(stem: string): string {
  const file = readdirSync(join(app.dataDir, 'sample', 'masks')).find((f) => f.startsWith(`${stem}.`));
  if (!file) throw new Error(`no mask for ${stem}`);
  return file;
}

test('predict any folder with the run: non-images are skipped, a missing folder is explained', async () => {
  await page.getByTestId('nav-inspect').click();
  await page.getByTestId('predict-folder-open').click();
  await page.getByTestId('predict-folder-images').fill('/nowhere/at/all');
  await page.getByTestId('predict-folder-out').fill(join(tmpdir(), 'never'));
  await page.getByTestId('predict-folder-start').click();
  await page.getByTestId('predict-folder').getByText('The images folder /nowhere/at/all does not exist or cannot be read.').waitFor();
  const input = mkdtempSync(join(tmpdir(), 'segbench-folder-'));
  copyFileSync('tests/fixtures/dubai-aerial/images/tile1_image_part_001.jpg', join(input, 'tile.jpg'));
  writeFileSync(join(input, 'broken.png'), 'not an image');
  const out = join(mkdtempSync(join(tmpdir(), 'segbench-folder-out-')), 'predicted');
  await page.getByTestId('predict-folder-images').fill(input);
  await page.getByTestId('predict-folder-out').fill(out);
  await page.getByTestId('predict-folder-start').click();
  // Issue 32 (6): once the job has ended the line says what it did, never "Predicting" still.
  await page
    .getByTestId('predict-folder-message')
    .getByText(/^Predicted 1 image into .*: <name>_mask\.png in the dataset's own mask values \(RGB palette colours\) and <name>_color\.png; 1 skipped \(/)
    .waitFor({ timeout: 60_000 });
  assert.deepEqual(readdirSync(out).sort(), ['.segbench-predictions.json', 'tile_color.png', 'tile_mask.png']);
  assert.deepEqual(errors, []);
});

test('data recipes in the launch form: replication raises the minority share in the preview; the run trains with them', async () => {
  await page.getByTestId('nav-runs').click();
  await page.getByTestId('run-new').click();
  await fillTinyRun(page, { epochs: 1, steps: 2, batch: 4, name: 'tiny recipes' });
  await page.getByTestId('form-replicate').check();
  await page.getByTestId('form-replicate-classes').getByLabel('Water').check();
  await page.getByTestId('form-replicate-times').fill('3');
  await page.getByTestId('form-minority').check();
  await page.getByTestId('form-recipe-preview').click();
  const preview = page.getByTestId('recipe-preview');
  await preview.waitFor();
  assert.match(
    (await preview.locator('p').textContent()) ?? '',
    /^\d+ of 160 training images repeated; \d+ draws per pass\. 70% of the crops of the \d+ images that hold \w+ are centred on them \(crop side about 64 px at the mean scale\)\./,
  );
  const water = preview.locator('tr', { hasText: 'Water' });
  const [before, after] = (await water.locator('td.num').allTextContents()).map((t) => Number.parseFloat(t));
  assert.ok(after! > before!, `water share ${before}% -> ${after}%`);
  await screenshot(page, 'launch-recipes');
  // A second window sits on Inspect with the newest inspectable run: the new run's first epoch must not take that over.
  const inspector = await opened!.browser.newPage({ viewport: { width: 1280, height: 800 } });
  const inspectorErrors = watchConsole(inspector);
  await inspector.goto(app.url);
  await inspector.getByTestId('nav-inspect').click();
  await inspector
    .getByTestId('inspect-predictions')
    .getByText(/40 images, by the checkpoint of epoch \d/)
    .waitFor();
  const chosen = await inspector.getByTestId('inspect-run').inputValue();
  assert.match((await inspector.locator(`[data-testid="inspect-run"] option[value="${chosen}"]`).textContent()) ?? '', /^tiny inspect/);
  await page.getByTestId('form-launch').click();
  await page.locator('[data-testid="run-view"] [data-testid="run-status"][data-status="finished"]').waitFor({ timeout: 120_000 });
  await inspector.locator('[data-testid="inspect-run"] option', { hasText: 'tiny recipes' }).waitFor({ state: 'attached' });
  assert.equal(await inspector.getByTestId('inspect-run').inputValue(), chosen, 'the selection stays on the run the user was looking at');
  assert.match((await inspector.getByTestId('inspect-predictions').textContent()) ?? '', /40 images/);
  await inspector.close();
  assert.deepEqual([...errors, ...inspectorErrors], []);
});

test('distillation in the launch form: a finished run teaches, the class matrix is identity by name, a bad row is marked, the student trains', async () => {
  await page.getByTestId('nav-runs').click();
  await page.getByTestId('run-new').click();
  await fillTinyRun(page, { epochs: 1, steps: 2, batch: 4, name: 'tiny student' });
  await page.getByTestId('form-distill-on').check();
  const teacher = page.getByTestId('form-distill-teacher');
  const teacherId = await teacher.locator('option', { hasText: 'tiny recipes' }).getAttribute('value');
  await teacher.selectOption(teacherId!);
  const matrix = page.getByTestId('form-distill-matrix');
  await matrix.getByText('Identity by name.').waitFor();
  await matrix.locator('summary').click();
  const first = matrix.locator('tbody tr').first();
  const name = (await first.locator('td').first().textContent()) ?? '';
  await first.getByLabel(`${name} to ${name}`).fill('0.5');
  await matrix.getByText(new RegExp(`row "${name.replace(/[()]/g, '\\$&')}" sums to 0.5`)).waitFor();
  await screenshot(page, 'launch-distill');
  await first.getByLabel(`${name} to ${name}`).fill('1');
  await page.getByTestId('form-distill-alpha').fill('0.6');
  await page.getByTestId('form-launch').click();
  await page.locator('[data-testid="run-view"] [data-testid="run-status"][data-status="finished"]').waitFor({ timeout: 120_000 });
  assert.deepEqual(errors, []);
});

test('pseudo-labels: predict an unlabelled folder, read the kept share per threshold, save the confident pixels as a dataset', async () => {
  await page.getByTestId('nav-inspect').click();
  await page.getByTestId('pseudo-open').click();
  const input = join(app.dataDir, 'unlabelled');
  mkdirSync(input, { recursive: true });
  copyFileSync('tests/fixtures/dubai-aerial/images/tile2_image_part_001.jpg', join(input, 'a.jpg'));
  copyFileSync('tests/fixtures/dubai-aerial/images/tile2_image_part_002.jpg', join(input, 'b.jpg'));
  await page.getByTestId('pseudo-images').fill(input);
  await page.getByTestId('pseudo-start').click();
  const set = page.getByTestId('pseudo-set').first();
  await set.getByTestId('pseudo-preview').waitFor({ timeout: 120_000 });
  assert.match((await set.locator('p').first().textContent()) ?? '', /2 images predicted/);
  // Any softmax winner has probability >= 1/classes, so 0.16 keeps every predicted pixel.
  await set.getByTestId('pseudo-threshold').fill('0.16');
  const cells = await set.getByTestId('pseudo-preview').locator('tbody tr').first().locator('td').allTextContents();
  assert.ok(cells.at(-1) === '100.0%' || cells.at(-1) === '-', `kept at 0.16: ${cells.at(-1)}`);
  await screenshot(page, 'pseudo-labels');
  await set.getByTestId('pseudo-name').fill('pseudo tiles');
  await set.getByTestId('pseudo-save').click();
  await set
    .getByTestId('pseudo-saved')
    .getByText(/Saved as pseudo tiles/)
    .waitFor();
  assert.deepEqual(errors, []);
});

test('two runs side by side: six panels in two rows at 1280x800; panels can be hidden to give the others room', async () => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByTestId('nav-inspect').click();
  const select = page.getByTestId('inspect-run');
  const recipes = await select.locator('option', { hasText: 'tiny recipes' }).getAttribute('value');
  await select.selectOption(recipes!);
  await page.getByTestId('inspect-predict').click();
  await page
    .getByTestId('inspect-predictions')
    .getByText(/Validation predictions stored \(40 images/)
    .waitFor({ timeout: 180_000 });
  const inspectId = await select.locator('option', { hasText: 'tiny inspect' }).getAttribute('value');
  await select.selectOption(inspectId!);
  await page.getByTestId('inspect-rank').click();
  await page.getByTestId('inspect-row').first().click();
  await page.getByTestId('side-viewer').waitFor();
  const grid = page.getByTestId('side-grid');
  // Issue 32 (5): a run without stored predictions beside this one blanks nothing: a note says
  // what to do, and the image, truth, prediction and errors stay.
  const student = await page.getByTestId('side-other-run').locator('option', { hasText: 'tiny student' }).getAttribute('value');
  await page.getByTestId('side-other-run').selectOption(student!);
  assert.match(
    (await page.getByTestId('side-other-missing').textContent()) ?? '',
    /^tiny student has no stored prediction of this image: predict its validation images on the Inspect page/,
  );
  assert.equal(await grid.getAttribute('data-panes'), '4');
  await page.getByTestId('side-other-run').selectOption(recipes!);
  await page.getByTestId('side-other-accuracy').waitFor();
  assert.equal(await page.getByTestId('side-other-missing').count(), 0);
  assert.equal(await grid.getAttribute('data-panes'), '6');
  const rows = await page.locator('.side-grid .pane').evaluateAll((panes) => new Set(panes.map((p) => Math.round(p.getBoundingClientRect().top))).size);
  assert.equal(rows, 2, 'two rows of three');
  assert.match((await page.getByTestId('side-hover').textContent()) ?? '', /Hover a pixel/);
  await screenshot(page, 'inspect-six-panels');
  await page.getByTestId('pane-close-image').click();
  await page.getByTestId('pane-close-truth').click();
  assert.equal(await grid.getAttribute('data-panes'), '4');
  const width = await page
    .locator('.side-grid .pane')
    .first()
    .evaluate((p) => p.getBoundingClientRect().width);
  const gridWidth = await grid.evaluate((g) => g.getBoundingClientRect().width);
  assert.ok(width > gridWidth / 2 - 4, `four panels share two columns: ${width} of ${gridWidth}`);
  await page.getByTestId('side-show-panes').click();
  assert.equal(await grid.getAttribute('data-panes'), '6');
  await page.getByTestId('side-close').click();
  assert.deepEqual(errors, []);
});

test('Inspect in the dark theme: the viewer with its readouts and the confusion matrix', async () => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.getByTestId('nav-inspect').click();
  await page.getByTestId('inspect-tab-confusion').click();
  await page.getByTestId('confusion-matrix').waitFor();
  await screenshot(page, 'dark-inspect-confusion');
  await page.getByTestId('inspect-tab-hardest').click();
  await page.getByTestId('inspect-rank').click();
  await page.getByTestId('inspect-row').first().click();
  await page.getByTestId('side-viewer').waitFor();
  const pane = (await page.locator('.side-grid .pane').nth(2).boundingBox())!;
  await page.mouse.move(pane.x + pane.width / 2, pane.y + pane.height / 2);
  await page
    .getByTestId('side-hover')
    .getByText(/truth:/)
    .waitFor();
  await screenshot(page, 'dark-inspect-viewer');
  await page.getByTestId('side-close').click();
  await page.emulateMedia({ colorScheme: 'light' });
  assert.deepEqual(errors, []);
});
