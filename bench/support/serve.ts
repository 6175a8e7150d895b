import { spawn } from 'node:child_process';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

interface ServedApp {
  /** The page's address with its token. */
  url: string;
  origin: string;
  stop(): Promise<void>;
}

/** Starts the built `segbench serve` on a free port over `dataDir`, without the sample dataset. */
export async function serveApp(dataDir: string): Promise<ServedApp> {
  const child = spawn(process.execPath, ['src-main/cli/segbench.cjs', 'serve', '--port', '0', '--data-dir', dataDir, '--no-sample'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not print its URL in 20 s:\n${text}`)), 20_000);
    child.stdout.on('data', () => {
      const match = /(http:\/\/\S+\?token=\S+)/.exec(text)?.[1];
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${text}`)));
  });
  return {
    url,
    origin: new URL(url).origin,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

/** Headless Chromium (Debian's, or SEGBENCH_CHROMIUM), as the end-to-end tests start it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.SEGBENCH_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
