import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { childProcessLauncher } from '../../src-main/jobs/child-engine';
import type { EngineLauncher } from '../../src-main/jobs/engine-host';
import { memoryLogger } from '../../src-main/log';
import { createAppServices } from '../../src-main/services/app-services';
import type { AppServices } from '../../src-main/services/app-services';

export function tempDir(prefix = 'segbench-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The real engine entry, run from source under tsx (the same file the build bundles). */
export function sourceEngineLauncher(): EngineLauncher {
  return childProcessLauncher({ entry: resolve('src-main/engine/engine.ts'), execArgv: ['--import', 'tsx'] });
}

export function testServices(
  options: { dataDir?: string; heartbeatTimeoutMs?: number; stopDeadlineMs?: number; leaseMs?: number; tickMs?: number } = {},
): AppServices & { logLines: string[] } {
  const logger = memoryLogger();
  const services = createAppServices({
    dataDir: options.dataDir ?? tempDir(),
    mode: 'memory',
    launcher: sourceEngineLauncher(),
    logger,
    ...(options.heartbeatTimeoutMs !== undefined && { heartbeatTimeoutMs: options.heartbeatTimeoutMs }),
    ...(options.stopDeadlineMs !== undefined && { stopDeadlineMs: options.stopDeadlineMs }),
    ...(options.leaseMs !== undefined && { leaseMs: options.leaseMs }),
    ...(options.tickMs !== undefined && { tickMs: options.tickMs }),
  });
  return Object.assign(services, { logLines: logger.lines });
}

/** Resolves with the first value `check` returns that is not undefined, polling every 20 ms. */
export async function eventually<T>(check: () => T | undefined, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}
