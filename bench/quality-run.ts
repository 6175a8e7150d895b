/**
 * One SegBench training of bench/quality.ts, in its own process: imports dubai-aerial into a
 * fresh data directory, splits whole scenes apart (tiles 1-6 train, 7-8 validate), trains the
 * reference U-Net on the recipe with the given seed and prints one line `RESULT {json}` with the
 * validation counts per class.
 *
 * bench/quality.ts copies this file into an earlier commit's worktree and runs it there, so it uses
 * only what SegBench has had since November: createAppServices, datasets.import, jobs.whenIdle,
 * runs.start (through api.invoke where the contract has it, which applies the config's defaults)
 * and runs.get.
 * Usage: node --import tsx bench/quality-run.ts --data ../shared/data/dubai-aerial --seed 1
 *        [--steps 300] [--size 256] [--batch 4] [--backend auto]
 */
import { rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { childProcessLauncher } from '../src-main/jobs/child-engine';
import { consoleLogger } from '../src-main/log';
import { createAppServices } from '../src-main/services/app-services';

function flag(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at > 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}

interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

async function main(): Promise<void> {
  const data = resolve(flag('--data', join('..', 'shared', 'data', 'dubai-aerial')));
  const seed = Number(flag('--seed', '1'));
  const steps = Number(flag('--steps', '300'));
  const size = Number(flag('--size', '256'));
  const batch = Number(flag('--batch', '4'));
  const backend = flag('--backend', 'auto');
  const dataDir = mkdtempSync(join(tmpdir(), 'segbench-quality-'));
  const quiet = { ...consoleLogger, info: () => undefined };
  const services = createAppServices({
    dataDir,
    mode: 'cli',
    launcher: childProcessLauncher({ entry: resolve('src-main/engine/engine.ts'), execArgv: ['--import', 'tsx'] }),
    logger: quiet,
  });
  try {
    const dataset = await services.datasets.import({ name: 'dubai', imagesDir: join(data, 'images'), masksDir: join(data, 'masks'), preset: 'auto' });
    await services.jobs.whenIdle();
    services.db.prepare("UPDATE images SET split = CASE WHEN stem GLOB 'tile[78]_*' THEN 'val' ELSE 'train' END WHERE dataset_id = ?").run(dataset.id);
    const config = {
      datasetId: dataset.id,
      backend,
      model: 'unet',
      modelOptions: { depth: 4, width: 16 },
      inputSize: size,
      batchSize: batch,
      epochs: 1,
      stepsPerEpoch: steps,
      optimizer: { name: 'adam', lr: 1e-3 },
      augment: { flips: true, rot90: true },
      validationOverlap: 0,
      seed,
    };
    const started = Date.now();
    const loose = services as unknown as {
      api?: { invoke: (method: string, request: unknown) => Promise<{ id: string }> };
      runs: { start: (config: unknown) => { id: string } | Promise<{ id: string }> };
    };
    const run = loose.api ? await loose.api.invoke('runs:start', config) : await loose.runs.start(config);
    await services.jobs.whenIdle();
    const detail = services.runs.get(run.id) as unknown as {
      status: string;
      reason: string | null;
      backend: string | null;
      device: string | null;
      classNames: string[];
      epochHistory: { counts: Counts[]; seconds?: number | null }[];
    };
    const epoch = detail.epochHistory.at(-1);
    if (!epoch) throw new Error(`the run ended ${detail.status}: ${detail.reason ?? 'no reason given'}`);
    const values = (services.datasets.get(dataset.id).values as { value: number; classIndex: number | null }[])
      .filter((v) => v.classIndex !== null)
      .map((v) => [v.value, v.classIndex]);
    const result = {
      seed,
      steps,
      seconds: (Date.now() - started) / 1000,
      backend: detail.backend,
      device: detail.device,
      classNames: detail.classNames,
      values,
      counts: epoch.counts.map((c) => ({ tp: c.tp, fp: c.fp, fn: c.fn })),
    };
    console.log(`RESULT ${JSON.stringify(result)}`);
  } finally {
    await services.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
