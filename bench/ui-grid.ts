/**
 * Dataset browser smoothness at 20,000 images (issue: datasets). Imports 20,000 tiles (hard links
 * of 200 generated 256x256 sample tiles, each indexed on its own), opens the Images tab in headless
 * Chromium against `segbench serve`, scrolls the whole grid, and prints the long tasks (over
 * 50 ms), frame-time percentiles and how many cells the DOM holds. Not a test: it prints figures.
 * Run after `npm run build`: node --import tsx bench/ui-grid.ts [--images 20000]
 */
import { spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSampleJob } from '../src-main/engine/synthetic/sample-job';
import { launchChromium, serveApp } from './support/serve';

const countArg = process.argv.indexOf('--images');
const total = countArg > 0 ? Number(process.argv[countArg + 1]) : 20_000;

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'segbench-bench-grid-'));
  const unique = join(root, 'unique');
  await runSampleJob(
    { outDir: unique, count: 200, size: 256, seed: 3 },
    { signal: new AbortController().signal, progress: () => {}, log: () => {}, emit: () => {} },
  );
  const images = join(root, 'images');
  const masks = join(root, 'masks');
  mkdirSync(images);
  mkdirSync(masks);
  for (let i = 0; i < total; i += 1) {
    const source = `sample_${String((i % 200) + 1).padStart(4, '0')}`;
    linkSync(join(unique, 'images', `${source}.jpg`), join(images, `t${String(i).padStart(5, '0')}.jpg`));
    linkSync(join(unique, 'masks', `${source}.png`), join(masks, `t${String(i).padStart(5, '0')}.png`));
  }
  const dataDir = join(root, 'data');
  const started = performance.now();
  const imported = spawnSync(
    process.execPath,
    ['src-main/cli/segbench.cjs', 'import', '--images', images, '--masks', masks, '--name', 'big', '--data-dir', dataDir, '--json'],
    {
      encoding: 'utf8',
      maxBuffer: 256 * 2 ** 20,
    },
  );
  if (imported.status !== 0) throw new Error(imported.stderr);
  console.log(
    `Imported and indexed ${total} images in ${((performance.now() - started) / 1000).toFixed(1)} s (${(total / ((performance.now() - started) / 1000)).toFixed(0)} images/s, whole CLI run)`,
  );
  const datasetId = (JSON.parse(imported.stdout) as { id: string }).id;

  const app = await serveApp(dataDir);
  const browser = await launchChromium();
  // The app forbids eval; the benchmark's own measuring scripts need it.
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
  await page.goto(app.url);
  const opened = performance.now();
  await page.goto(`${app.origin}/#/datasets/${datasetId}/images`);
  await page.waitForFunction(`document.querySelector('[data-testid="image-count"]')?.textContent === '${total} images'`, undefined, { timeout: 60_000 });
  console.log(`Images tab showing ${total} images after ${(performance.now() - opened).toFixed(0)} ms`);
  // Scripts for the page go as strings: tsx adds helpers to compiled functions that the page lacks.
  await page.evaluate(`
    window.longTasks = [];
    window.frames = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => window.longTasks.push(e.duration))).observe({ type: 'longtask' });
    let last = performance.now();
    const tick = (now) => { window.frames.push(now - last); last = now; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  `);
  const grid = page.getByTestId('image-grid');
  const box = (await grid.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const steps = 300;
  const scrollHeight = (await page.evaluate(`document.querySelector('[data-testid="image-grid"]').scrollHeight`)) as number;
  for (let i = 0; i < steps; i += 1) {
    await page.mouse.wheel(0, scrollHeight / steps);
    await page.waitForTimeout(16);
  }
  const result = (await page.evaluate(`(() => {
    const sorted = [...window.frames].sort((a, b) => a - b);
    const at = (q) => sorted[Math.floor((sorted.length - 1) * q)] ?? 0;
    return {
      longTasks: window.longTasks.length,
      longest: Math.max(0, ...window.longTasks),
      p50: at(0.5),
      p95: at(0.95),
      cells: document.querySelectorAll('[data-testid="thumb"]').length,
      scrolled: document.querySelector('[data-testid="image-grid"]').scrollTop,
    };
  })()`)) as { longTasks: number; longest: number; p50: number; p95: number; cells: number; scrolled: number };
  console.log(`Scrolled ${Math.round(result.scrolled)} px through the grid in ${steps} wheel steps:`);
  console.log(`  long tasks over 50 ms: ${result.longTasks} (longest ${result.longest.toFixed(0)} ms)`);
  console.log(`  frame time p50 ${result.p50.toFixed(1)} ms, p95 ${result.p95.toFixed(1)} ms`);
  console.log(`  thumbnails in the DOM at the end: ${result.cells} of ${total}`);
  await browser.close();
  await app.stop();
  rmSync(root, { recursive: true, force: true });
}

void main();
