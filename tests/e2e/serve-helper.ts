import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

const outputDir = join('test-output', 'e2e');

export interface ServedApp {
  url: string;
  origin: string;
  dataDir: string;
  process: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts the built `segbench serve` on a free port with its own temp data directory. */
export async function startServe(extraArgs: string[] = []): Promise<ServedApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'segbench-e2e-'));
  const child = spawn(process.execPath, ['src-main/cli/segbench.cjs', 'serve', '--port', '0', '--data-dir', dataDir, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not print its URL in 20 s:\n${text}`)), 20_000);
    const look = (): void => {
      const match = /(http:\/\/\S+\?token=\S+)/.exec(text);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', look);
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${text}`)));
  });
  return {
    url,
    origin: new URL(url).origin,
    dataDir,
    process: child,
    output: () => text,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.SEGBENCH_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Collects console errors and uncaught page errors; a test fails if any appear. */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(outputDir, { recursive: true });
  await page.screenshot({ path: join(outputDir, `${name}.png`), fullPage: true });
}

/** Imports a folder through the wizard with real clicks; resolves once the dataset's card says ready, with the card. */
export async function importThroughWizard(page: Page, dir: string, name: string) {
  await page.getByTestId('import-open').click();
  await page.getByTestId('import-images').fill(join(dir, 'images'));
  await page.getByTestId('import-masks').fill(join(dir, 'masks'));
  await page.getByTestId('import-check').click();
  await page.getByTestId('scan-report').waitFor();
  await page.getByTestId('import-name').fill(name);
  await page.getByTestId('import-start').click();
  const card = page.locator('[data-testid="dataset-card"]', { hasText: name });
  await card.and(page.locator('[data-state="ready"]')).waitFor({ timeout: 60_000 });
  return card;
}

/** Fills the launch form with a run small enough for CI: tiny U-Net, 64x64 crops, wasm, a few steps per epoch. */
export async function fillTinyRun(page: Page, options: { epochs: number; steps?: number; batch?: number; name?: string }): Promise<void> {
  await page.getByTestId('preset-quick').click();
  await page.getByTestId('form-depth').fill('2');
  await page.getByTestId('form-width').fill('4');
  await page.getByTestId('form-size').fill('64');
  await page.getByTestId('form-batch').fill(String(options.batch ?? 8));
  await page.getByTestId('form-epochs').fill(String(options.epochs));
  await page.getByTestId('form-steps').fill(String(options.steps ?? 3));
  await page.getByTestId('form-backend').selectOption('wasm');
  if (options.name) await page.getByTestId('form-name').fill(options.name);
}

export interface OpenApp {
  app: ServedApp;
  browser: Browser;
  page: Page;
  /** Console errors and failed requests of the page, collected as they happen. */
  errors: string[];
  close(): Promise<void>;
}

/**
 * Serve mode with a fresh data directory, Chromium and one page on it; with `waitForSample`, returns
 * once the sample dataset is indexed. The suites' shared before/after.
 */
export async function openApp(viewport: { width: number; height: number }, options: { waitForSample?: boolean } = {}): Promise<OpenApp> {
  const app = await startServe();
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport });
  const errors = watchConsole(page);
  await page.goto(app.url);
  if (options.waitForSample) await page.locator('[data-testid="dataset-card"][data-state="ready"]').waitFor({ timeout: 90_000 });
  return {
    app,
    browser,
    page,
    errors,
    async close() {
      await browser.close();
      await app.stop();
    },
  };
}

/** The test ids of the selects inside `scope` whose chosen option's text is wider than the box shows (a cut-off dropdown hides what it says). */
export async function cutOffSelects(page: Page, scope: string): Promise<string[]> {
  const fits = await page.locator(`[data-testid="${scope}"] select`).evaluateAll((selects) =>
    selects.map((select) => {
      const s = select as HTMLSelectElement;
      const probe = document.createElement('span');
      probe.style.font = getComputedStyle(s).font;
      probe.style.position = 'absolute';
      probe.style.whiteSpace = 'nowrap';
      probe.textContent = s.selectedOptions[0]?.textContent ?? '';
      document.body.append(probe);
      const textWidth = probe.getBoundingClientRect().width;
      probe.remove();
      return [s.dataset.testid ?? '?', textWidth <= s.clientWidth - 24] as const;
    }),
  );
  return fits.filter(([, ok]) => !ok).map(([id]) => id);
}
