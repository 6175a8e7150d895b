// A second SegBench process, for bench/reliability.ts (family B) and the ownership and disk-full
// tests: opens the services on the data directory given, queues a long diagnostic job, and prints
// `RUNNING <job> ENGINE <pid>` once the engine runs it; the caller then kills this process with
// SIGKILL. The engine runs from source under tsx.
// Run as: node --import tsx bench/support/queue-owner-child.ts DATA_DIR
import { resolve } from 'node:path';
import { childProcessLauncher } from '../../src-main/jobs/child-engine';
import { silentLogger } from '../../src-main/log';
import { createAppServices } from '../../src-main/services/app-services';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: node --import tsx bench/support/queue-owner-child.ts DATA_DIR');
const services = createAppServices({
  dataDir,
  mode: 'cli',
  launcher: childProcessLauncher({ entry: resolve('src-main/engine/engine.ts'), execArgv: ['--import', 'tsx'] }),
  logger: silentLogger,
  tickMs: 100,
  leaseMs: 2_000,
});
const job = services.jobs.enqueue('diagnostic', { steps: 100_000, stepMs: 50 });
const timer = setInterval(() => {
  const now = services.jobs.get(job.id);
  if (now.status === 'running' && now.enginePid !== null && now.progress) {
    clearInterval(timer);
    process.stdout.write(`RUNNING ${job.id} ENGINE ${now.enginePid}\n`);
  }
}, 50);
