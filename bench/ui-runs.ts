/**
 * Renderer responsiveness while a run streams (issue: runs). 50 runs in the store, one with 200
 * epochs and 100,000 step points; `run:update` events at 20 per second for 20 seconds, first on
 * that run's page, then on the runs table; headless Chromium counts long tasks (over 50 ms) and
 * frame times. Prints figures; not a test. Run after `npm run build`: node --import tsx bench/ui-runs.ts
 */
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { silentLogger } from '../src-main/log';
import { newAccessToken } from '../src-main/server/auth';
import { startServer } from '../src-main/server/http-server';
import { createAppServices } from '../src-main/services/app-services';
import { childProcessLauncher } from '../src-main/jobs/child-engine';
import { tempDir } from '../tests/helpers/services';

const classes = ['Bare land', 'Cropland', 'Forest', 'Water', 'Road', 'Building'];

async function main(): Promise<void> {
  const services = createAppServices({ dataDir: tempDir('segbench-ui-bench-'), mode: 'serve', launcher: childProcessLauncher({ entry: 'unused' }), logger: silentLogger });
  const db = services.db;
  const now = new Date().toISOString();
  db.prepare("INSERT INTO datasets (id, name, images_dir, masks_dir, classes, state, created_at) VALUES ('d', 'bench', '/i', '/m', '[]', 'ready', ?)").run(now);
  const config = JSON.stringify({ epochs: 200, inputSize: 256, batchSize: 4, loss: { name: 'ce' }, optimizer: { name: 'adam', lr: 0.001 } });
  const insertRun = db.prepare(
    "INSERT INTO runs (id, name, dataset_id, model, config, status, created_at, class_names, epochs_done, best_epoch, best_miou, started_at) VALUES (?, ?, 'd', 'unet', ?, ?, ?, ?, ?, ?, ?, ?)",
  );
  db.transaction(() => {
    for (let r = 0; r < 50; r += 1) insertRun.run(`run${r}`, `run ${r}`, config, r === 0 ? 'running' : 'finished', now, JSON.stringify(classes), 200, 150, 0.4 + r / 200, now);
    const epoch = db.prepare("INSERT INTO run_epochs (run_id, epoch, train_loss, val_loss, lr, seconds, miou, accuracy, is_best, created_at) VALUES ('run0', ?, ?, ?, 0.001, 60, ?, 0.7, 0, ?)");
    const counts = db.prepare("INSERT INTO run_class_counts (run_id, epoch, split, class_index, tp, fp, fn) VALUES ('run0', ?, 'val', ?, ?, ?, ?)");
    for (let e = 1; e <= 200; e += 1) {
      epoch.run(e, 1 / e, 1.2 / e, 0.5 - 0.3 / e, now);
      for (let c = 0; c < 6; c += 1) counts.run(e, c, 1000 * e, 500, 300 + c * 50);
    }
    const step = db.prepare("INSERT INTO run_steps (run_id, step, epoch, loss, lr) VALUES ('run0', ?, ?, ?, 0.001)");
    for (let s = 1; s <= 100_000; s += 1) step.run(s, Math.ceil(s / 500), 2 / Math.sqrt(s) + 0.05 * Math.sin(s / 37));
  })();

  const token = newAccessToken();
  const server = await startServer({ services, host: '127.0.0.1', port: 0, token, staticDir: join(process.cwd(), 'out', 'renderer'), logger: silentLogger });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  // The app forbids eval; the benchmark's own measuring scripts need it.
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
  await page.goto(server.url);

  let nextStep = 100_001;
  let nextEpoch = 201;
  const measure = async (label: string, hash: string, ready: string): Promise<void> => {
    await page.goto(`http://127.0.0.1:${server.port}/${hash}`);
    await page.waitForSelector(ready, { timeout: 60_000 });
    await page.evaluate(`
      window.longTasks = []; window.frames = [];
      new PerformanceObserver((list) => list.getEntries().forEach((e) => window.longTasks.push(e.duration))).observe({ type: 'longtask' });
      let last = performance.now();
      const tick = (t) => { window.frames.push(t - last); last = t; requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    `);
    // Each event brings 10 new steps, every 20th a new epoch: the charts really change.
    const addStep = db.prepare("INSERT INTO run_steps (run_id, step, epoch, loss, lr) VALUES ('run0', ?, ?, ?, 0.001)");
    const addEpoch = db.prepare("INSERT OR REPLACE INTO run_epochs (run_id, epoch, train_loss, val_loss, lr, seconds, miou, accuracy, is_best, created_at) VALUES ('run0', ?, 0.1, 0.12, 0.001, 60, 0.5, 0.7, 0, ?)");
    const addCounts = db.prepare("INSERT OR REPLACE INTO run_class_counts (run_id, epoch, split, class_index, tp, fp, fn) VALUES ('run0', ?, 'val', ?, 900, 100, 100)");
    // The service's cache of downsampled steps is dropped when the engine reports steps; here the
    // benchmark writes them itself, so it drops the cache the same way.
    const dropCache = (services.runs as unknown as { forgetSteps(runId: string): void }).forgetSteps.bind(services.runs);
    const started = Date.now();
    let sent = 0;
    while (Date.now() - started < 20_000) {
      db.transaction(() => {
        for (let k = 0; k < 10; k += 1) addStep.run(nextStep, Math.ceil(nextStep / 500), 0.1 + 0.02 * Math.sin(nextStep++ / 37));
        if (sent % 20 === 19) {
          addEpoch.run(nextEpoch, new Date().toISOString());
          for (let c = 0; c < 6; c += 1) addCounts.run(nextEpoch, c);
          db.prepare("UPDATE runs SET epochs_done = ? WHERE id = 'run0'").run(nextEpoch++);
        }
      })();
      dropCache('run0');
      services.events.emit('run:update', services.runs.list().find((r) => r.id === 'run0')!);
      sent += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const result = (await page.evaluate(`(() => {
      const sorted = [...window.frames].sort((a, b) => a - b);
      const at = (q) => sorted[Math.floor((sorted.length - 1) * q)] ?? 0;
      return { long: window.longTasks.length, longest: Math.max(0, ...window.longTasks), p50: at(0.5), p95: at(0.95), frames: sorted.length };
    })()`)) as { long: number; longest: number; p50: number; p95: number; frames: number };
    console.log(`${label}: ${sent} events in 20 s -> long tasks over 50 ms: ${result.long} (longest ${result.longest.toFixed(0)} ms); frame time p50 ${result.p50.toFixed(1)} ms, p95 ${result.p95.toFixed(1)} ms (goal: no long task)`);
  };
  console.log('50 runs; run0 starts with 200 epochs and 100,000 step points and grows by 10 steps per event and an epoch per 20 events (the step chart gets at most 1,000 points after LTTB)');
  await measure('run page (run0)', '#/runs/run0', '[data-testid="chart-steps"] .recharts-line');
  await measure('runs table (50 runs)', '#/runs', '[data-testid="run-row"]');
  await browser.close();
  await server.close();
  await services.close();
}

void main();
