/**
 * Renderer responsiveness while a run streams (issues 12 and 16). 200 runs in the store, one
 * (run0) with 200 epochs and 100,000 step points; `run:update` events at 20 per second for 20
 * seconds on that run's page, on the runs table, and on Compare with 8 runs picked out of the 200
 * (each with 200 epochs); headless Chromium counts long tasks (over 50 ms) and frame times.
 *
 * `--before <git rev>` also builds that revision's renderer (a git worktree, Vite) and measures it
 * first on identical data, against the same services, so the old and new figures come from one run.
 * Prints figures; not a test. Run after `npm run build`:
 *   node --import tsx bench/ui-runs.ts [--before HEAD] [--seconds 20]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { silentLogger } from '../src-main/log';
import { newAccessToken } from '../src-main/server/auth';
import { startServer } from '../src-main/server/http-server';
import { createAppServices } from '../src-main/services/app-services';
import { childProcessLauncher } from '../src-main/jobs/child-engine';
import { tempDir } from './support/temp-dir';

const classes = ['Bare land', 'Cropland', 'Forest', 'Water', 'Road', 'Building'];
const flag = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const seconds = Number(flag('--seconds') ?? 20);
const runCount = 200;

/** The renderer of `rev`, built in a temporary worktree that shares this checkout's node_modules. */
function buildRendererAt(rev: string): { dir: string; cleanup: () => void } {
  const tree = mkdtempSync(join(tmpdir(), 'segbench-before-'));
  rmSync(tree, { recursive: true });
  execFileSync('git', ['worktree', 'add', '--detach', tree, rev], { stdio: 'ignore' });
  symlinkSync(resolve('node_modules'), join(tree, 'node_modules'));
  execFileSync(process.execPath, ['-e', "import('vite').then((v) => v.build({ configFile: 'vite.config.mts', logLevel: 'error' }))"], {
    cwd: tree,
    stdio: 'inherit',
  });
  return { dir: join(tree, 'out', 'renderer'), cleanup: () => execFileSync('git', ['worktree', 'remove', '--force', tree], { stdio: 'ignore' }) };
}

/** A fresh data directory with the bench's runs: the same for every renderer measured. */
function seededServices(): ReturnType<typeof createAppServices> {
  const services = createAppServices({
    dataDir: tempDir('segbench-ui-bench-'),
    mode: 'serve',
    launcher: childProcessLauncher({ entry: 'unused' }),
    logger: silentLogger,
  });
  const db = services.db;
  const now = new Date().toISOString();
  db.prepare("INSERT INTO datasets (id, name, images_dir, masks_dir, classes, state, created_at) VALUES ('d', 'bench', '/i', '/m', '[]', 'ready', ?)").run(now);
  const config = JSON.stringify({ epochs: 200, inputSize: 256, batchSize: 4, loss: { name: 'ce' }, optimizer: { name: 'adam', lr: 0.001 } });
  const insertRun = db.prepare(
    "INSERT INTO runs (id, name, dataset_id, model, config, status, created_at, class_names, epochs_done, best_epoch, best_miou, started_at) VALUES (?, ?, 'd', 'unet', ?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const epoch = db.prepare(
    'INSERT INTO run_epochs (run_id, epoch, train_loss, val_loss, lr, seconds, miou, accuracy, is_best, created_at) VALUES (?, ?, ?, ?, 0.001, 60, ?, 0.7, 0, ?)',
  );
  const counts = db.prepare("INSERT INTO run_class_counts (run_id, epoch, split, class_index, tp, fp, fn) VALUES (?, ?, 'val', ?, ?, ?, ?)");
  db.transaction(() => {
    for (let r = 0; r < runCount; r += 1) {
      const id = `run${r}`;
      insertRun.run(id, `run ${r}`, config, r === 0 ? 'running' : 'finished', now, JSON.stringify(classes), 200, 150, 0.4 + r / 1000, now);
      // Every run has a full history, so Compare's picks carry 200 epochs each.
      for (let e = 1; e <= 200; e += 1) {
        epoch.run(id, e, 1 / e, 1.2 / e, 0.5 - 0.3 / e + r / 2000, now);
        for (let c = 0; c < 6; c += 1) counts.run(id, e, c, 1000 * e, 500 + r, 300 + c * 50);
      }
    }
    const step = db.prepare("INSERT INTO run_steps (run_id, step, epoch, loss, lr) VALUES ('run0', ?, ?, ?, 0.001)");
    for (let s = 1; s <= 100_000; s += 1) step.run(s, Math.ceil(s / 500), 2 / Math.sqrt(s) + 0.05 * Math.sin(s / 37));
  })();
  return services;
}

interface Figures {
  long: number;
  longest: number;
  p50: number;
  p95: number;
}

async function measureRenderer(staticDir: string): Promise<Record<string, Figures>> {
  const services = seededServices();
  const db = services.db;
  const token = newAccessToken();
  const server = await startServer({ services, host: '127.0.0.1', port: 0, token, staticDir, logger: silentLogger });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  // The app forbids eval; the benchmark's own measuring scripts need it.
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
  await page.goto(server.url);
  let nextStep = 100_001;
  let nextEpoch = 201;
  const addStep = db.prepare("INSERT INTO run_steps (run_id, step, epoch, loss, lr) VALUES ('run0', ?, ?, ?, 0.001)");
  const addEpoch = db.prepare(
    "INSERT OR REPLACE INTO run_epochs (run_id, epoch, train_loss, val_loss, lr, seconds, miou, accuracy, is_best, created_at) VALUES ('run0', ?, 0.1, 0.12, 0.001, 60, 0.5, 0.7, 0, ?)",
  );
  const addCounts = db.prepare(
    "INSERT OR REPLACE INTO run_class_counts (run_id, epoch, split, class_index, tp, fp, fn) VALUES ('run0', ?, 'val', ?, 900, 100, 100)",
  );
  // The service's cache of downsampled steps is dropped when the engine reports steps; here the
  // benchmark writes them itself, so it drops the cache the same way.
  const dropCache = (services.runs as unknown as { forgetSteps(runId: string): void }).forgetSteps.bind(services.runs);
  const results: Record<string, Figures> = {};

  const measure = async (label: string, hash: string, ready: string, prepare: () => Promise<void> = async () => {}): Promise<void> => {
    await page.goto(`http://127.0.0.1:${server.port}/${hash}`);
    await page.waitForSelector(ready, { timeout: 60_000 });
    await prepare();
    await page.evaluate(`
      window.longTasks = []; window.frames = [];
      new PerformanceObserver((list) => list.getEntries().forEach((e) => window.longTasks.push(e.duration))).observe({ type: 'longtask' });
      let last = performance.now();
      const tick = (t) => { window.frames.push(t - last); last = t; requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    `);
    // Each event brings 10 new steps, every 20th a new epoch: the charts really change.
    const started = Date.now();
    let sent = 0;
    while (Date.now() - started < seconds * 1000) {
      db.transaction(() => {
        for (let k = 0; k < 10; k += 1) addStep.run(nextStep, Math.ceil(nextStep / 500), 0.1 + 0.02 * Math.sin(nextStep++ / 37));
        if (sent % 20 === 19) {
          addEpoch.run(nextEpoch, new Date().toISOString());
          for (let c = 0; c < 6; c += 1) addCounts.run(nextEpoch, c);
          db.prepare("UPDATE runs SET epochs_done = ? WHERE id = 'run0'").run(nextEpoch++);
        }
      })();
      dropCache('run0');
      services.events.emit(
        'run:update',
        services.runs.list().find((r) => r.id === 'run0')!,
      );
      sent += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    results[label] = (await page.evaluate(`(() => {
      const sorted = [...window.frames].sort((a, b) => a - b);
      const at = (q) => sorted[Math.floor((sorted.length - 1) * q)] ?? 0;
      return { long: window.longTasks.length, longest: Math.max(0, ...window.longTasks), p50: at(0.5), p95: at(0.95) };
    })()`)) as Figures;
  };
  await measure('run page (run0)', '#/runs/run0', '[data-testid="chart-steps"]');
  await measure(`runs table (${runCount} runs)`, '#/runs', '[data-testid="run-row"]');
  // Compare: 8 of the 200 runs picked (run0, streaming, among them), then the events stream.
  await measure(`Compare (8 of ${runCount} runs, 200 epochs each)`, '#/compare', '[data-testid="compare-run"]', async () => {
    const boxes = page.getByTestId('compare-run');
    for (let i = 0; i < 8; i += 1) await boxes.nth(i * 25).check();
    await page.waitForSelector('[data-testid="compare-table"]', { timeout: 60_000 });
  });
  await browser.close();
  await server.close();
  await services.close();
  return results;
}

async function main(): Promise<void> {
  const before = flag('--before');
  const renderers: { label: string; dir: string; cleanup?: () => void }[] = [];
  if (before)
    renderers.push({ label: `before (${execFileSync('git', ['rev-parse', '--short', before], { encoding: 'utf8' }).trim()})`, ...buildRendererAt(before) });
  renderers.push({ label: 'now (this checkout)', dir: join(process.cwd(), 'out', 'renderer') });
  console.log(
    `${runCount} runs of 200 epochs; run0 also has 100,000 step points and grows by 10 steps per event and an epoch per 20 events (the step chart gets at most 1,000 points after LTTB); 20 run:update events a second for ${seconds} s per view. Goal: no long task over 50 ms.`,
  );
  const all: { label: string; figures: Record<string, Figures> }[] = [];
  try {
    for (const r of renderers) all.push({ label: r.label, figures: await measureRenderer(r.dir) });
  } finally {
    for (const r of renderers) r.cleanup?.();
  }
  for (const view of Object.keys(all[0]!.figures)) {
    console.log(view);
    for (const { label, figures } of all) {
      const f = figures[view]!;
      console.log(
        `  ${label.padEnd(22)} long tasks over 50 ms: ${String(f.long).padStart(3)} (longest ${f.longest.toFixed(0)} ms); frame time p50 ${f.p50.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms`,
      );
    }
  }
}

void main();
