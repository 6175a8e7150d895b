import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { childProcessLauncher } from '../../src-main/jobs/child-engine';
import type { EngineLauncher } from '../../src-main/jobs/engine-host';
import { memoryLogger } from '../../src-main/log';
import { createAppServices } from '../../src-main/services/app-services';
import type { AppServices } from '../../src-main/services/app-services';
import { createMemoryClient } from '../../src-main/ipc/memory-transport';
import { after } from 'node:test';

export function tempDir(prefix = 'segbench-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The real engine entry, run from source under tsx (the same file the build bundles). */
function sourceEngineLauncher(): EngineLauncher {
  return childProcessLauncher({ entry: resolve('src-main/engine/engine.ts'), execArgv: ['--import', 'tsx'] });
}

export function testServices(
  options: { dataDir?: string; heartbeatTimeoutMs?: number; stopDeadlineMs?: number; leaseMs?: number; tickMs?: number; mode?: 'memory' | 'cli' } = {},
): AppServices & { logLines: string[] } {
  const logger = memoryLogger();
  const services = createAppServices({
    dataDir: options.dataDir ?? tempDir(),
    mode: options.mode ?? 'memory',
    launcher: sourceEngineLauncher(),
    logger,
    ...(options.heartbeatTimeoutMs !== undefined && { heartbeatTimeoutMs: options.heartbeatTimeoutMs }),
    ...(options.stopDeadlineMs !== undefined && { stopDeadlineMs: options.stopDeadlineMs }),
    ...(options.leaseMs !== undefined && { leaseMs: options.leaseMs }),
    ...(options.tickMs !== undefined && { tickMs: options.tickMs }),
  });
  return Object.assign(services, { logLines: logger.lines });
}

/** Polls until `check` gives a value (one copy for tests and benches, in bench/support). */
export { eventually } from '../../bench/support/eventually';

/**
 * A test file's opener of fresh services with an in-memory API client; every one opened is
 * closed after the file's tests (registered with node:test's `after` on first use).
 */
export function servicesOpener(): () => { services: AppServices; api: ReturnType<typeof createMemoryClient> } {
  const opened: AppServices[] = [];
  after(async () => {
    for (const services of opened) await services.close();
  });
  return () => {
    const services = testServices();
    opened.push(services);
    return { services, api: createMemoryClient(services) };
  };
}
