/**
 * The PyTorch round trip (issue 29, item 5): a model trained and exported by PyTorch, imported with
 * `segbench import-model` and scored with `segbench eval`, against PyTorch's own prediction of the
 * same images by the same sliding windows, counted with numpy.
 *
 * 1. bench/onnx-roundtrip.py train: a small SMP-style U-Net (residual encoder with BatchNorm,
 *    decoder of upsampling + skips, NCHW logits) in plain torch, trained for a few seconds on
 *    random crops of dubai-aerial tiles 1-6 with ImageNet normalisation in SegBench's convention,
 *    exported to ONNX (opset 17, dynamic batch, height and width).
 * 2. SegBench, through its CLI on a temporary data directory: `import` of --images validation
 *    scenes (tiles 7 and 8, alternating) and one crop smaller than a window (so the padding is
 *    exercised), `split --val-pattern`, `import-model --window W --normalize imagenet`, and
 *    `eval --json` (--repeats times). The eval job's per-class and per-image counts are read back
 *    through the API from the data directory's job table; the decoded pixels and labels SegBench
 *    sees are hashed with its own decoder.
 * 3. bench/onnx-roundtrip.py predict: the torch model (not the ONNX file) on the same files with
 *    SegBench's window placement, padding and softmax averaging re-implemented in numpy (see the
 *    .py), argmax, and counts against the masks mapped by the preset's colours.
 * 4. Prints per class SegBench's and PyTorch's tp/fp/fn and IoU and their differences, the near
 *    ties (labelled pixels whose top-two averaged probabilities are within 1e-4, where ORT and
 *    torch may legitimately pick different classes), and the times. With --out, appends one JSON
 *    line to bench/results/onnx-roundtrip-<date>.jsonl.
 *
 * Needs PyTorch (Debian: apt-get install -y python3-torch; /usr/bin/python3 is tried first); without
 * it the bench says so and exits 0. Needs the built CLI and engine (node build.config.mjs).
 *
 * Usage: node --import tsx bench/onnx-roundtrip.ts [--data ../shared/data/dubai-aerial] [--images 6]
 *        [--window 256] [--steps 150] [--train-seconds 60] [--repeats 1] [--torch-threads N] [--no-crop]
 *        [--keep] [--out]
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { findPreset } from '../src-shared/classes';
import type { Job } from '../src-shared/jobs';
import type { ValidationResult } from '../src-shared/job-kinds';
import { iou } from '../src-shared/metrics';
import type { ClassCounts } from '../src-shared/metrics';
import { decodeImage, decodeLabels } from '../src-main/engine/data/decode';
import { childProcessLauncher } from '../src-main/jobs/child-engine';
import { createAppServices } from '../src-main/services/app-services';
import { pythonWith } from './support/engine';

const { values: opts } = parseArgs({
  options: {
    data: { type: 'string', default: join('..', 'shared', 'data', 'dubai-aerial') },
    images: { type: 'string', default: '6' },
    window: { type: 'string', default: '256' },
    steps: { type: 'string', default: '150' },
    'train-seconds': { type: 'string', default: '60' },
    repeats: { type: 'string', default: '1' },
    'torch-threads': { type: 'string' },
    'no-crop': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    out: { type: 'boolean', default: false },
  },
  strict: true,
});
const data = resolve(opts.data);
const imageCount = Number(opts.images);
const window = Number(opts.window);
const repeats = Math.max(1, Number(opts.repeats));
const withCrop = !opts['no-crop'];
const cli = resolve('src-main', 'cli', 'segbench.cjs');
const engineEntry = resolve('out', 'engine', 'engine.cjs');
/** ONNX Runtime's intra-op threads in SegBench's inference jobs (validationThreads on the CPU); PyTorch gets as many. */
const threads = Math.max(1, Math.min(Number(process.env.SEGBENCH_TRAIN_THREADS) || cpus().length, 4));
const torchThreads = opts['torch-threads'] ? Number(opts['torch-threads']) : threads;
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface TorchImage {
  name: string;
  width: number;
  height: number;
  windows: number;
  imageSha256: string;
  labelsSha256: string;
  labelled: number;
  nearTies: number;
  nearTiesAll: number;
  counts: ClassCounts[];
}
interface TorchPrediction {
  torch: string;
  threads: number;
  normalization: { mean: number[]; std: number[] };
  nearTie: number;
  seconds: number[];
  images: TorchImage[];
}
interface TorchTraining {
  torch: string;
  weights: string;
  onnx: string;
  onnxBytes: number;
  parameters: number;
  steps: number;
  batch: number;
  crop: number;
  loss: number;
  trainSeconds: number;
}

/** Runs a command, its stderr passed through, and returns its stdout and wall time. */
function run(command: string, args: string[]): Promise<{ stdout: string; seconds: number }> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += String(chunk);
      process.stderr.write(chunk);
    });
    child.on('error', fail);
    child.on('close', (code) =>
      code === 0
        ? done({ stdout, seconds: (performance.now() - started) / 1000 })
        : fail(new Error(`${command} ${args.join(' ')} exited ${code}:\n${stderr.slice(-2000)}`)),
    );
  });
}

const segbench = (args: string[]) => run(process.execPath, [cli, ...args]);
const lastJson = <T>(stdout: string): T => JSON.parse(stdout.slice(stdout.indexOf('{'))) as T;
const sha256 = (values: Uint8Array | Float32Array): string =>
  createHash('sha256')
    .update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength))
    .digest('hex');

async function main(): Promise<void> {
  const python = pythonWith('torch, numpy, PIL');
  if (!python) {
    console.log('PyTorch is not importable (Debian: apt-get install -y python3-torch python3-numpy python3-pil): the ONNX round-trip bench skips.');
    return;
  }
  if (!existsSync(resolve('out', 'main', 'cli.cjs')) || !existsSync(engineEntry)) throw new Error('SegBench is not built: run `node build.config.mjs` first.');
  const preset = findPreset('dubai-aerial')!;
  const classes = preset.classes.map((c) => ({ name: c.name, color: c.color }));
  const work = mkdtempSync(join(tmpdir(), 'segbench-onnx-roundtrip-'));
  try {
    // 1. PyTorch trains and exports.
    console.log(
      `PyTorch (${python}) trains an SMP-style U-Net on dubai-aerial tiles 1-6 (at most ${opts.steps} steps or ${opts['train-seconds']} s) and exports ONNX opset 17...`,
    );
    const trained = lastJson<TorchTraining>(
      (
        await run(python, [
          join('bench', 'onnx-roundtrip.py'),
          'train',
          '--data',
          data,
          '--out-dir',
          join(work, 'torch'),
          '--classes',
          JSON.stringify(classes),
          '--steps',
          opts.steps!,
          '--max-seconds',
          opts['train-seconds']!,
        ])
      ).stdout,
    );
    console.log(
      `  ${trained.parameters.toLocaleString('en')} parameters, ${trained.steps} steps of ${trained.batch} x ${trained.crop} px in ${trained.trainSeconds.toFixed(1)} s, last loss ${trained.loss.toFixed(3)}; ONNX ${(trained.onnxBytes / 1024).toFixed(0)} KiB`,
    );

    // 2. The validation files: scenes of tiles 7 and 8, alternating, and a crop smaller than a window.
    const images = join(work, 'images');
    const masks = join(work, 'masks');
    mkdirSync(images);
    mkdirSync(masks);
    const stem = (tile: number, part: number) => `tile${tile}_image_part_${String(part).padStart(3, '0')}`;
    const stems = Array.from({ length: imageCount }, (_, i) => stem(7 + (i % 2), 1 + Math.floor(i / 2)));
    for (const s of stems) {
      copyFileSync(join(data, 'images', `${s}.jpg`), join(images, `${s}.jpg`));
      copyFileSync(join(data, 'masks', `${s}.png`), join(masks, `${s}.png`));
    }
    const names = stems.map((s) => `${s}.jpg`);
    if (withCrop) {
      // Lossless PNGs of a 216 x 168 region: smaller than a window on both sides, not a multiple of the stride.
      const region = { left: 700, top: 500, width: Math.min(216, window - 40), height: Math.min(168, window - 88) };
      await sharp(join(data, 'images', `${stem(7, 3)}.jpg`))
        .extract(region)
        .png()
        .toFile(join(images, 'small_crop.png'));
      await sharp(join(data, 'masks', `${stem(7, 3)}.png`))
        .extract(region)
        .png()
        .toFile(join(masks, 'small_crop.png'));
      names.push('small_crop.png');
    }
    const dataDir = join(work, 'data');
    const common = ['--data-dir', dataDir];

    // 3. SegBench: import, split, import-model, eval.
    console.log(
      `SegBench imports ${names.length} validation images (${stems.length} scenes of tiles 7-8${withCrop ? ' and a crop smaller than the window' : ''}) and the ONNX model...`,
    );
    const datasetImport = await segbench([
      'import',
      '--images',
      images,
      '--masks',
      masks,
      '--name',
      'roundtrip',
      '--preset',
      'dubai-aerial',
      '--json',
      ...common,
    ]);
    const splitRun = await segbench(['split', '--dataset', 'roundtrip', '--val-pattern', '.', '--json', ...common]);
    const split = lastJson<{ counts: { train: number; val: number; test: number } }>(splitRun.stdout);
    console.log(`  import (index) ${datasetImport.seconds.toFixed(1)} s, split ${splitRun.seconds.toFixed(1)} s`);
    if (split.counts.val !== names.length)
      throw new Error(`the split put ${split.counts.val} of ${names.length} images in validation: ${JSON.stringify(split.counts)}`);
    const imported = await segbench([
      'import-model',
      '--onnx',
      trained.onnx,
      '--dataset',
      'roundtrip',
      '--window',
      String(window),
      '--normalize',
      'imagenet',
      '--json',
      ...common,
    ]);
    const model = lastJson<{
      runId: string;
      model: { normalization: { mean: number[]; std: number[] }; layout: string; output: string; stride: number; findings: string[] };
    }>(imported.stdout);
    console.log(`  import-model: ${imported.seconds.toFixed(1)} s; ${model.model.findings.join(' ')}`);
    const evalSeconds: number[] = [];
    let evalJson: { miou: number | null; perClass: Record<string, { iou: number | null } | undefined> } | null = null;
    for (let r = 0; r < repeats; r += 1) {
      const evaluated = await segbench(['eval', '--run', model.runId, '--json', ...common]);
      evalSeconds.push(evaluated.seconds);
      evalJson = lastJson(evaluated.stdout);
      console.log(`  eval ${r + 1}/${repeats}: ${evaluated.seconds.toFixed(1)} s, mIoU ${evalJson!.miou?.toFixed(4)}`);
    }

    // The eval jobs' counts (per class and per image) and the run's window settings, through the API.
    const services = createAppServices({
      dataDir,
      mode: 'cli',
      launcher: childProcessLauncher({ entry: engineEntry }),
      logger: { info: () => {}, warn: (m) => console.warn(m), error: (m) => console.error(m) },
    });
    let evals: Job[];
    let config: { inputSize: number; validationOverlap: number; batchSize: number };
    let classNames: string[];
    try {
      evals = (await services.api.invoke('jobs:list', {})).filter((j) => j.kind === 'eval' && j.status === 'finished');
      const detail = await services.api.invoke('runs:get', { runId: model.runId });
      config = detail.config;
      classNames = detail.classNames;
    } finally {
      await services.close();
    }
    if (evals.length !== repeats) throw new Error(`expected ${repeats} finished eval jobs, found ${evals.length}`);
    const results = evals.map((j) => j.result as ValidationResult);
    const repeatable = results.every((r) => JSON.stringify(r.counts) === JSON.stringify(results[0]!.counts));
    const result = results[0]!;
    if (result.skipped.length > 0) throw new Error(`eval skipped images: ${JSON.stringify(result.skipped)}`);
    if (JSON.stringify(classNames) !== JSON.stringify(classes.map((c) => c.name)))
      throw new Error(`the run's classes ${JSON.stringify(classNames)} are not the preset's`);
    const params = evals[0]!.params as { items: { imageId: number; imagePath: string; maskPath: string }[]; labelMap: [number, number][] };
    const items = params.items;
    const labelMap = new Map(params.labelMap);

    // What SegBench decodes, hashed, for the comparison with PIL's decoding.
    const segbenchHashes = new Map<string, { image: string; labels: string }>();
    for (const item of items) {
      const image = await decodeImage(item.imagePath);
      const labels = await decodeLabels(item.maskPath, labelMap);
      segbenchHashes.set(item.imagePath, { image: sha256(image.data), labels: sha256(labels.labels) });
    }

    // 4. PyTorch predicts the same files with the same windows.
    console.log(
      `PyTorch predicts the same ${items.length} images: ${config.inputSize} px windows, overlap ${config.validationOverlap}, batch ${config.batchSize}, ${torchThreads} threads...`,
    );
    const manifest = join(work, 'manifest.json');
    writeFileSync(
      manifest,
      JSON.stringify({
        weights: trained.weights,
        classes,
        window: config.inputSize,
        overlap: config.validationOverlap,
        batch: config.batchSize,
        threads: torchThreads,
        repeats,
        images: items.map((i) => ({ name: i.imagePath.split('/').pop(), image: i.imagePath, mask: i.maskPath })),
      }),
    );
    const torch = lastJson<TorchPrediction>((await run(python, [join('bench', 'onnx-roundtrip.py'), 'predict', '--manifest', manifest])).stdout);

    // 5. The comparison.
    const k = classes.length;
    const sum = (list: ClassCounts[][]): ClassCounts[] =>
      Array.from({ length: k }, (_, c) =>
        list.reduce((acc, counts) => ({ tp: acc.tp + counts[c]!.tp, fp: acc.fp + counts[c]!.fp, fn: acc.fn + counts[c]!.fn }), { tp: 0, fp: 0, fn: 0 }),
      );
    const sb = result.counts;
    const pt = sum(torch.images.map((i) => i.counts));
    const nearTies = torch.images.reduce((n, i) => n + i.nearTies, 0);
    const labelled = torch.images.reduce((n, i) => n + i.labelled, 0);
    const perImageEqual = items.filter(
      (item, i) => JSON.stringify(result.imageCounts.find((c) => c.imageId === item.imageId)?.counts) === JSON.stringify(torch.images[i]!.counts),
    ).length;
    // A labelled pixel that changes class moves its count between two classes' tp/fp/fn: the
    // predicted totals (tp + fp) differ by at least one pixel per moved pixel, over two classes.
    const predictedDiff = sb.reduce((n, c, i) => n + Math.abs(c.tp + c.fp - (pt[i]!.tp + pt[i]!.fp)), 0) / 2;
    const correctDiff = Math.abs(sb.reduce((n, c) => n + c.tp, 0) - pt.reduce((n, c) => n + c.tp, 0));
    const countsEqual = JSON.stringify(sb) === JSON.stringify(pt);
    const decodeEqual = torch.images.filter((t, i) => segbenchHashes.get(items[i]!.imagePath)?.image === t.imageSha256).length;
    const labelsEqual = torch.images.filter((t, i) => segbenchHashes.get(items[i]!.imagePath)?.labels === t.labelsSha256).length;
    const normEqual = JSON.stringify(model.model.normalization) === JSON.stringify(torch.normalization);
    // eval --json's per-class IoU against the IoU of the job's counts (the CLI prints what the job counted).
    const jsonAgrees = classes.every((c, i) => (evalJson?.perClass[c.name]?.iou ?? null) === iou(sb[i]!));

    const f = (v: number | null) => (v === null ? '-' : v.toFixed(4));
    const n = (v: number) => String(v).padStart(9);
    const d = (v: number) => (v === 0 ? '0' : v > 0 ? `+${v}` : String(v)).padStart(6);
    const pixels = torch.images.reduce((s, i) => s + i.width * i.height, 0);
    console.log(
      `\n${items.length} images, ${(pixels / 1e6).toFixed(1)} Mpx (${labelled.toLocaleString('en')} labelled), ${torch.images.reduce((s, i) => s + i.windows, 0)} windows of ${config.inputSize} px, overlap ${config.validationOverlap}`,
    );
    console.log(
      `${'class'.padEnd(16)} ${'SegBench tp'.padStart(11)} ${'fp'.padStart(9)} ${'fn'.padStart(9)}  IoU    | ${'PyTorch tp'.padStart(10)} ${'fp'.padStart(9)} ${'fn'.padStart(9)}  IoU    | Δtp    Δfp    Δfn`,
    );
    classes.forEach((c, i) => {
      const a = sb[i]!;
      const b = pt[i]!;
      console.log(
        `${c.name.padEnd(16)} ${n(a.tp).padStart(11)} ${n(a.fp)} ${n(a.fn)}  ${f(iou(a))} | ${n(b.tp).padStart(10)} ${n(b.fp)} ${n(b.fn)}  ${f(iou(b))} | ${d(a.tp - b.tp)} ${d(a.fp - b.fp)} ${d(a.fn - b.fn)}`,
      );
    });
    const mean = (list: (number | null)[]) => {
      const present = list.filter((v): v is number => v !== null);
      return present.length ? present.reduce((s, v) => s + v, 0) / present.length : null;
    };
    console.log(
      `${'mIoU'.padEnd(16)} ${''.padStart(31)}  ${f(mean(sb.map(iou)))} | ${''.padStart(30)}  ${f(mean(pt.map(iou)))} | eval --json said ${f(evalJson?.miou ?? null)}`,
    );
    console.log(
      `\nCounts ${countsEqual ? 'EQUAL' : 'differ'}: ${predictedDiff} labelled pixel(s) at least changed class (correct pixels ${correctDiff === 0 ? 'equal' : `differ by ${correctDiff}`}); near ties (top-two averaged probabilities within ${torch.nearTie}): ${nearTies} of ${labelled.toLocaleString('en')} labelled pixels (${torch.images.reduce((s, i) => s + i.nearTiesAll, 0)} of all).`,
    );
    console.log(
      `Per image: ${perImageEqual} of ${items.length} with equal counts. Decoded pixels (sharp vs PIL) equal in ${decodeEqual} of ${items.length}; labels (SegBench's label map vs the preset's palette in numpy) equal in ${labelsEqual} of ${items.length}; normalisation ${normEqual ? 'equal' : `DIFFERS: SegBench ${JSON.stringify(model.model.normalization)}, PyTorch ${JSON.stringify(torch.normalization)}`}. SegBench's ${repeats} eval(s) ${repeatable ? 'gave identical counts' : 'DIFFERED between repeats'}; eval --json's IoU ${jsonAgrees ? 'equal' : 'DIFFER from'} those of the job's counts.`,
    );
    if (!countsEqual && predictedDiff > nearTies)
      console.log(`WARNING: ${predictedDiff} pixels changed class, more than the ${nearTies} near ties: a real discrepancy.`);
    const evalMedian = median(evalSeconds);
    const torchMedian = median(torch.seconds);
    console.log(
      `\nTimes (median of ${repeats}, wall time of each CLI command: process start, ONNX Runtime session, decoding, windows):\n` +
        `  SegBench  import-model ${imported.seconds.toFixed(1)} s + eval ${evalMedian.toFixed(1)} s = ${(imported.seconds + evalMedian).toFixed(1)} s; eval ${(items.length / evalMedian).toFixed(2)} images/s (ONNX Runtime, ${threads} threads)\n` +
        `  PyTorch   inference ${torchMedian.toFixed(1)} s (decoding, windows, averaging); ${(items.length / torchMedian).toFixed(2)} images/s (torch ${torch.torch}, ${torch.threads} threads)\n` +
        `  SegBench eval / PyTorch: ${(evalMedian / torchMedian).toFixed(2)}x the time`,
    );

    if (opts.out) {
      const date = new Date().toISOString().slice(0, 10);
      const file = join('bench', 'results', `onnx-roundtrip-${date}.jsonl`);
      mkdirSync(join('bench', 'results'), { recursive: true });
      let rev = 'unknown';
      try {
        rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
      } catch {
        // not a git checkout
      }
      const line = {
        date: new Date().toISOString(),
        rev,
        images: items.map((i) => i.imagePath.split('/').pop()),
        window: config.inputSize,
        overlap: config.validationOverlap,
        batch: config.batchSize,
        ortThreads: threads,
        training: {
          steps: trained.steps,
          batch: trained.batch,
          crop: trained.crop,
          seconds: trained.trainSeconds,
          loss: trained.loss,
          parameters: trained.parameters,
          torch: trained.torch,
        },
        segbench: { counts: sb, datasetImportSeconds: datasetImport.seconds, importModelSeconds: imported.seconds, evalSeconds, repeatable, jsonAgrees },
        torch: { counts: pt, seconds: torch.seconds, threads: torch.threads },
        countsEqual,
        changedPixels: predictedDiff,
        nearTies,
        labelled,
        perImageEqual,
        decodeEqual,
        labelsEqual,
        normalizationEqual: normEqual,
      };
      appendFileSync(file, `${JSON.stringify(line)}\n`);
      console.log(`Appended to ${file}.`);
    }
  } finally {
    if (opts.keep) console.log(`Kept ${work}.`);
    else rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
