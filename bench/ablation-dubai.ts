/**
 * Data-recipe ablation on dubai-aerial (issue: data-centric recipes). Same budget for every arm:
 * a small U-Net (depth 3, width 8) on 128x128 crops, batch 4, a fixed number of steps, Adam 1e-3,
 * tiles 1-6 train and 7-8 validate on full images. Arms: baseline; + minority replication; +
 * hard-sample sampling (weights from the baseline's best checkpoint on the training images);
 * + minority-centred crops; all three. The minority classes are the two with the smallest share of
 * training pixels (Unlabeled left out). Prints per-class IoU and mIoU of each arm next to the baseline: honest numbers
 * from one seed per arm (differences of a few points are within seed noise at this budget).
 * Run: node --import tsx bench/ablation-dubai.ts [--steps 150] [--seeds 1]
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { childProcessLauncher } from '../src-main/jobs/child-engine';
import { createMemoryClient } from '../src-main/ipc/memory-transport';
import { memoryLogger } from '../src-main/log';
import { createAppServices } from '../src-main/services/app-services';
import { summarize } from '../src-shared/metrics';
import type { RunConfigInput } from '../src-shared/run-config';
import { tempDir } from './support/temp-dir';

const argument = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const steps = argument('--steps', 150);
const seeds = argument('--seeds', 1);

async function main(): Promise<void> {
  const built = resolve('out/engine/engine.cjs');
  const launcher = existsSync(built)
    ? childProcessLauncher({ entry: built })
    : childProcessLauncher({ entry: resolve('src-main/engine/engine.ts'), execArgv: ['--import', 'tsx'] });
  const services = createAppServices({ dataDir: tempDir('segbench-ablation-'), mode: 'cli', launcher, logger: memoryLogger() });
  const api = createMemoryClient(services);
  const started = Date.now();
  try {
    const dubai = join('..', 'shared', 'data', 'dubai-aerial');
    const dataset = await api.invoke('datasets:import', { name: 'dubai', imagesDir: join(dubai, 'images'), masksDir: join(dubai, 'masks'), preset: 'auto' });
    await services.jobs.whenIdle();
    services.db.prepare("UPDATE images SET split = CASE WHEN stem GLOB 'tile[78]_*' THEN 'val' ELSE 'train' END WHERE dataset_id = ?").run(dataset.id);
    const detail = await api.invoke('datasets:get', { datasetId: dataset.id });
    const stats = await api.invoke('datasets:stats', { datasetId: dataset.id });
    const train = stats.splits.find((s) => s.split === 'train')!;
    const trained = detail.classes.map((c, i) => ({ name: c.name, share: train.classes[i]!.share, ignore: c.ignore })).filter((c) => !c.ignore);
    // "Unlabeled" is a class of the dubai preset but not land cover anyone wants more of.
    const minority = trained
      .filter((c) => !/unlabel/i.test(c.name))
      .sort((a, b) => a.share - b.share)
      .slice(0, 2)
      .map((c) => c.name);
    console.log(
      `dubai-aerial, tiles 1-6 train / 7-8 validate; training pixel shares: ${trained.map((c) => `${c.name} ${(c.share * 100).toFixed(1)}%`).join(', ')}`,
    );
    console.log(`minority classes for the recipes: ${minority.join(', ')}; ${steps} steps of batch 4 at 128x128 per arm, ${seeds} seed(s)\n`);

    const base = (name: string, seed: number, extra: Partial<RunConfigInput> = {}): RunConfigInput => ({
      datasetId: dataset.id,
      name,
      backend: 'auto',
      model: 'unet',
      modelOptions: { depth: 3, width: 8 },
      inputSize: 128,
      batchSize: 4,
      epochs: 1,
      stepsPerEpoch: steps,
      optimizer: { name: 'adam', lr: 1e-3 },
      augment: { flips: true, rot90: true },
      validationOverlap: 0,
      seed,
      ...extra,
    });
    const replicate = { classes: minority, minShare: 0.05, times: 2 };
    const minorityCrops = { classes: minority, share: 0.7 };
    const preview = await api.invoke('runs:recipePreview', base('preview', 1, { replicate }));
    console.log(
      `replication (share >= 5%, x2): ${preview.replicated} of ${preview.trainImages} training images repeated; exposure ${minority
        .map((m) => {
          const i = preview.classNames.indexOf(m);
          return `${m} ${(preview.sharesBefore[i]! * 100).toFixed(1)}% -> ${(preview.sharesAfter[i]! * 100).toFixed(1)}%`;
        })
        .join(', ')}\n`,
    );

    const arms = ['baseline', '+ replication', '+ hard samples', '+ minority crops', 'all three'] as const;
    const results = new Map<string, { miou: number; perClass: number[] }[]>();
    let classNames: string[] = [];
    for (let seed = 1; seed <= seeds; seed += 1) {
      const runOf = async (arm: string, extra: Partial<RunConfigInput>): Promise<string> => {
        const run = await api.invoke('runs:start', base(`${arm} s${seed}`, seed, extra));
        await services.jobs.whenIdle();
        const done = await api.invoke('runs:get', { runId: run.id });
        const epoch = done.epochHistory.at(-1);
        if (!epoch) throw new Error(`${arm} ended ${done.status}: ${done.reason}`);
        const summary = summarize(epoch.counts);
        classNames = done.classNames;
        const list = results.get(arm) ?? [];
        list.push({ miou: summary.miou ?? 0, perClass: summary.perClass.map((c) => c.iou ?? 0) });
        results.set(arm, list);
        console.log(`  ${arm.padEnd(18)} seed ${seed}: mIoU ${(summary.miou ?? 0).toFixed(3)} (${Math.round((Date.now() - started) / 1000)} s elapsed)`);
        return run.id;
      };
      const baseline = await runOf('baseline', {});
      // Hard-sample weights: the baseline's best checkpoint scored on the training images (Inspect's default table).
      await api.invoke('samples:saveWeights', {
        runId: baseline,
        threshold: 0.5,
        table: [
          [0, 1],
          [1, 2],
          [3, 4],
          [5, 6],
        ],
      });
      await runOf('+ replication', { replicate });
      await runOf('+ hard samples', { sampler: { kind: 'weighted', weightsFromRun: baseline } });
      await runOf('+ minority crops', { minorityCrops });
      await runOf('all three', { replicate, minorityCrops, sampler: { kind: 'weighted', weightsFromRun: baseline } });
    }

    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const header = ['arm'.padEnd(18), ...classNames.map((n) => n.slice(0, 10).padStart(11)), 'mIoU'.padStart(8), 'vs base'.padStart(9)].join('');
    console.log(`\nValidation IoU (tiles 7-8, full images), mean over ${seeds} seed(s):`);
    console.log(header);
    const baseMiou = mean(results.get('baseline')!.map((r) => r.miou));
    for (const arm of arms) {
      const runs = results.get(arm)!;
      const perClass = classNames.map((_, c) => mean(runs.map((r) => r.perClass[c]!)));
      const miou = mean(runs.map((r) => r.miou));
      const delta = miou - baseMiou;
      console.log(
        [
          arm.padEnd(18),
          ...perClass.map((v) => v.toFixed(3).padStart(11)),
          miou.toFixed(3).padStart(8),
          `${delta >= 0 ? '+' : ''}${delta.toFixed(3)}`.padStart(9),
        ].join(''),
      );
    }
    console.log(`\ntotal wall time ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    await services.close();
  }
}

void main();
