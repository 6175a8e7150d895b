/**
 * The failure families of issue 27, for bench/reliability.ts, each repeated `rounds` times and
 * counted: lost runs and jobs, runs stopped by another process, files of the user's overwritten,
 * epochs missing or repeated.
 *  D. a CLI that owns the queue finishes while another process's jobs wait in it;
 *  E. a main thread busy for three leases (a slow request) while its job runs;
 *  F. predictions into output folders that overlap the inputs or hold the user's files;
 *  G. a full disk at an epoch's end (a 3 MB tmpfs filled to a random level), then resume;
 *  H. a dataset deleted from another process while a job of it is queued or running.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { childProcessLauncher } from '../src-main/jobs/child-engine';
import { memoryLogger } from '../src-main/log';
import { createAppServices } from '../src-main/services/app-services';
import type { AppServices } from '../src-main/services/app-services';
import { tempDir } from './support/temp-dir';

type Figures = Record<string, number | string>;
const builtEngine = resolve('out/engine/engine.cjs');
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

function open(dataDir: string, mode: 'cli' | 'serve', options: { tickMs?: number; leaseMs?: number } = {}): AppServices {
  return createAppServices({ dataDir, mode, launcher: childProcessLauncher({ entry: builtEngine }), logger: memoryLogger(), ...options });
}

async function sampleDataset(services: AppServices, count = 6): Promise<string> {
  const { imported } = services.samples.create({ count, size: 32, seed: 3 });
  await services.jobs.whenIdle();
  const id = await imported;
  await services.jobs.whenIdle();
  return id;
}

const tiny = (datasetId: string, epochs: number) => ({
  datasetId,
  backend: 'wasm' as const,
  model: 'unet' as const,
  modelOptions: { depth: 2, width: 4 },
  inputSize: 32,
  batchSize: 2,
  epochs,
  stepsPerEpoch: 2,
});

/** D: the CLI's own job ends while serve's wait; the CLI closes. Serve's jobs must all finish under serve. */
export async function handOver(rounds: number, random: () => number): Promise<Figures> {
  let foreignStops = 0;
  let lost = 0;
  let ranByCli = 0;
  for (let round = 0; round < rounds; round += 1) {
    const dataDir = tempDir('segbench-handover-');
    const cli = open(dataDir, 'cli', { tickMs: 100, leaseMs: 2_000 });
    const serve = open(dataDir, 'serve', { tickMs: 100, leaseMs: 2_000 });
    const own = cli.jobs.enqueue('diagnostic', { steps: 3 + Math.floor(random() * 10), stepMs: 20 });
    const theirs = Array.from({ length: 1 + Math.floor(random() * 3) }, () => serve.jobs.enqueue('diagnostic', { steps: 3, stepMs: 10 }).id);
    await cli.jobs.whenDone(own.id);
    await sleep(Math.floor(random() * 300));
    await cli.close();
    for (const id of theirs) {
      const done = await Promise.race([serve.jobs.whenDone(id), sleep(60_000).then(() => null)]);
      if (!done || done.status !== 'finished') lost += 1;
      if (done?.status === 'cancelled') foreignStops += 1;
      if (done?.owner?.mode === 'cli') ranByCli += 1;
    }
    await serve.close();
  }
  return {
    rounds,
    "serve's jobs queued": 'one to three a round',
    'stopped by another process': foreignStops,
    'jobs lost': lost,
    'started by the exiting CLI': ranByCli,
  };
}

/** E: the owner's main thread is blocked for three leases while its job runs; a second process watches. */
export async function busyMain(rounds: number): Promise<Figures> {
  let takenOver = 0;
  let killed = 0;
  for (let round = 0; round < rounds; round += 1) {
    const dataDir = tempDir('segbench-busy-');
    const owner = open(dataDir, 'serve', { tickMs: 100, leaseMs: 1_000 });
    const watcher = open(dataDir, 'serve', { tickMs: 100, leaseMs: 1_000 });
    const job = owner.jobs.enqueue('diagnostic', { steps: 40, stepMs: 50 });
    while (owner.jobs.get(job.id).status !== 'running') await sleep(20);
    await sleep(300);
    const until = Date.now() + 3_000;
    while (Date.now() < until) {
      /* a slow request */
    }
    await sleep(500);
    if (watcher.jobs.ownsQueue) takenOver += 1;
    const done = await owner.jobs.whenDone(job.id);
    if (done.status !== 'finished') killed += 1;
    await watcher.close();
    await owner.close();
  }
  return { rounds, 'blocked for': '3 s against a 1 s lease', 'queue taken from a live process': takenOver, 'jobs stopped or failed': killed };
}

function hashes(dir: string): Map<string, string> {
  return new Map(
    readdirSync(dir)
      .filter((n) => statSync(join(dir, n)).isFile())
      .map((n) => [
        n,
        createHash('sha1')
          .update(readFileSync(join(dir, n)))
          .digest('hex'),
      ]),
  );
}

/** F: folder predictions whose output overlaps the inputs, a dataset's folder or the user's files. */
export async function overlappingOutputs(rounds: number, random: () => number): Promise<Figures> {
  const dataDir = tempDir('segbench-overlap-');
  const services = open(dataDir, 'serve');
  const same = join(tempDir('segbench-same-'), 'same');
  mkdirSync(same);
  const datasetId = await sampleDataset(services);
  // A folder of images with their masks beside them, imported as a dataset of its own.
  const detail = await services.api.invoke('datasets:images', { datasetId });
  for (const item of detail.items.slice(0, 3)) {
    await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 90, g: 120, b: 60 } } })
      .png()
      .toFile(join(same, `${item.stem}.png`));
    await sharp(Buffer.alloc(32 * 32, 1), { raw: { width: 32, height: 32, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toFile(join(same, `${item.stem}_mask.png`));
  }
  await services.api.invoke('datasets:import', { name: 'same folder', imagesDir: same, preset: 'none' });
  await services.jobs.whenIdle();
  const run = await services.api.invoke('runs:start', tiny(datasetId, 1));
  await services.jobs.whenIdle();
  let overwritten = 0;
  let refused = 0;
  let written = 0;
  const layouts = ['dataset folder', 'inputs folder with masks', 'user file named like an output', 'user-edited earlier output', 'fresh folder'] as const;
  for (let round = 0; round < rounds; round += 1) {
    const layout = layouts[Math.floor(random() * layouts.length)]!;
    const loose = tempDir('segbench-loose-');
    for (const name of readdirSync(same)) copyFileSync(join(same, name), join(loose, name));
    let out = loose;
    if (layout === 'dataset folder') out = same;
    if (layout === 'user file named like an output' || layout === 'user-edited earlier output' || layout === 'fresh folder') out = tempDir('segbench-out-');
    if (layout === 'user file named like an output') writeFileSync(join(out, `${readdirSync(same)[0]!.replace(/\.png$/, '')}_color.png`), 'mine');
    if (layout === 'user-edited earlier output') {
      const first = await services.api.invoke('runs:predictFolder', { runId: run.id, imagesDir: loose, outDir: out });
      await services.jobs.whenDone(first.id);
      const target = readdirSync(out).find((n) => n.endsWith('_color.png'))!;
      writeFileSync(join(out, target), 'edited by the user');
    }
    const before = new Map([
      ...hashes(out),
      ...[...hashes(same)].map(([n, h]) => [`same/${n}`, h] as [string, string]),
      ...[...hashes(loose)].map(([n, h]) => [`loose/${n}`, h] as [string, string]),
    ]);
    const ours = new Set(
      layout === 'user-edited earlier output'
        ? [...hashes(out).keys()].filter((n) => !/_color\.png$/.test(n) || readFileSync(join(out, n), 'utf8') !== 'edited by the user')
        : [],
    );
    try {
      const job = await services.api.invoke('runs:predictFolder', { runId: run.id, imagesDir: loose, outDir: out });
      const done = await services.jobs.whenDoneOf('predict', job.id);
      written += done.result?.written ?? 0;
    } catch {
      refused += 1;
    }
    const after = new Map([
      ...hashes(out),
      ...[...hashes(same)].map(([n, h]) => [`same/${n}`, h] as [string, string]),
      ...[...hashes(loose)].map(([n, h]) => [`loose/${n}`, h] as [string, string]),
    ]);
    for (const [name, hash] of before) if (after.get(name) !== hash && !ours.has(name) && name !== '.segbench-predictions.json') overwritten += 1;
  }
  await services.close();
  return {
    rounds,
    layouts: layouts.join('; '),
    'predictions refused with the reason': refused,
    'images predicted': written,
    "user's files overwritten or changed": overwritten,
  };
}

function fill(dir: string, leaveBytes: number): string {
  const path = join(dir, `filler-${Date.now()}`);
  const fd = openSync(path, 'w');
  try {
    for (;;) writeSync(fd, Buffer.alloc(16 * 1024, 1));
  } catch {
    // full
  } finally {
    closeSync(fd);
  }
  if (leaveBytes > 0) execFileSync('truncate', ['-s', `-${leaveBytes}`, path]);
  return path;
}

/** G: a disk filled to a random level just before a run's epochs end; resume once there is room. */
export async function fullDiskEpochs(rounds: number, random: () => number): Promise<Figures> {
  const disk = tempDir('segbench-gdisk-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', disk], { stdio: 'pipe' });
  } catch (error) {
    return { skipped: `no tmpfs to fill (${String((error as Error).message).split('\n')[0]}); needs root` };
  }
  let missing = 0;
  let repeated = 0;
  let lost = 0;
  let failedRuns = 0;
  let beforeFirstCheckpoint = 0;
  try {
    for (let round = 0; round < rounds; round += 1) {
      const dataDir = join(disk, `g${round}`);
      mkdirSync(dataDir);
      const services = open(dataDir, 'serve', { tickMs: 200 });
      const datasetId = await sampleDataset(services, 6);
      const config = { ...tiny(datasetId, 3), modelOptions: { depth: 2, width: 8 } };
      // A checkpoint of this model is about 0.37 MB; leave room for 0 to 2.5 of them.
      const filler = fill(disk, Math.floor(random() * 2.5 * 370_000) + 64 * 1024);
      let run = await services.api.invoke('runs:start', config).catch(() => null);
      if (run) {
        await services.jobs.whenIdle();
        if (services.runs.get(run.id).status !== 'finished') failedRuns += 1;
      }
      rmSync(filler);
      let refusal = '';
      if (run && services.runs.get(run.id).status !== 'finished') {
        const stopped = services.runs.get(run.id);
        run = await services.api.invoke('runs:resume', { runId: run.id }).catch((error: Error) => {
          refusal = error.message;
          return run;
        });
        await services.jobs.whenIdle();
        if (refusal) process.stderr.write(`G round ${round + 1}: ${stopped.status} (${stopped.reason ?? ''}); resume refused: ${refusal}\n`);
      }
      // A run the disk stopped before its first checkpoint is failed with the reason and has nothing to resume: clearly failed, not lost.
      if (run && /has no checkpoint to resume from/.test(refusal) && services.runs.get(run.id).status === 'failed') beforeFirstCheckpoint += 1;
      else if (!run || services.runs.get(run.id).status !== 'finished') lost += 1;
      else {
        const epochs = (services.db.prepare('SELECT epoch FROM run_epochs WHERE run_id = ? ORDER BY epoch').all(run.id) as { epoch: number }[]).map(
          (e) => e.epoch,
        );
        for (let e = 1; e <= 3; e += 1) {
          const n = epochs.filter((x) => x === e).length;
          if (n === 0) missing += 1;
          if (n > 1) repeated += 1;
        }
      }
      await services.close();
      // Each round has the whole disk.
      rmSync(dataDir, { recursive: true, force: true });
    }
  } finally {
    execFileSync('umount', ['-l', disk]);
  }
  return {
    rounds,
    'runs the full disk stopped': failedRuns,
    'failed before a first checkpoint (nothing to resume)': beforeFirstCheckpoint,
    'runs lost (not finished after a resume)': lost,
    'epochs missing': missing,
    'epochs recorded twice': repeated,
  };
}

/** H: a delete from another process at a random moment while a run of the dataset is queued or trains. */
export async function deletesUnderJobs(rounds: number, random: () => number): Promise<Figures> {
  let accepted = 0;
  let orphaned = 0;
  let refused = 0;
  for (let round = 0; round < rounds; round += 1) {
    const dataDir = tempDir('segbench-delete-');
    const first = open(dataDir, 'serve', { tickMs: 100 });
    const other = open(dataDir, 'serve', { tickMs: 100 });
    const datasetId = await sampleDataset(first, 6);
    const run = await first.api.invoke('runs:start', tiny(datasetId, 2));
    await sleep(Math.floor(random() * 3_000));
    const live = ['queued', 'running'].includes(first.runs.get(run.id).status);
    try {
      await other.api.invoke('datasets:delete', { datasetId });
      if (live) accepted += 1;
    } catch {
      refused += 1;
    }
    await first.jobs.whenIdle();
    if (first.runs.get(run.id).datasetId === null && live) orphaned += 1;
    await other.close();
    await first.close();
  }
  return {
    rounds,
    'deletes refused while a job used the dataset': refused,
    'deletes accepted under a live job': accepted,
    'runs left without their dataset': orphaned,
  };
}
