import { randomUUID } from 'node:crypto';
import { constants, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { parseBandLayout } from '../../src-shared/bands';
import { trainingClasses, valueToHex } from '../../src-shared/classes';
import type { ClassDef } from '../../src-shared/classes';
import { readMask } from '../datasets/mask-file';
import { ApiError } from '../../src-shared/errors';
import type { importMasksRequestSchema, importModelRequestSchema } from '../../src-shared/model-import';
import type { PredictedMasks } from '../../src-shared/external-model';
import { runConfigSchema } from '../../src-shared/run-config';
import type { RunSummary } from '../../src-shared/runs';
import type { z } from '../../src-shared/zod';
import { parseClasses } from '../datasets/dataset-queries';
import type { Statements } from '../db/statements';
import { resultOf } from '../jobs/job-service';
import type { JobService } from '../jobs/job-service';
import type { ImportedRun } from './run-queries';
import { runSummary } from './run-queries';

/** Validation images the importer predicts to check the output kind and agreement with the masks. */
const probeImages = 2;

/**
 * Models trained elsewhere, in as runs: checks the request against the dataset, has the engine's
 * `import-model` job inspect the ONNX file and copy it into the new run's folder, and only then
 * writes the run: finished, no epochs, its model in `external`. A file the job refuses leaves
 * nothing behind; the user's file is only read.
 */
export class ModelImportService {
  constructor(private readonly options: { statements: Statements; jobs: JobService; dataDir: string; onChanged: (run: RunSummary) => void }) {}

  async import(request: z.output<typeof importModelRequestSchema>): Promise<RunSummary> {
    const { statements, jobs } = this.options;
    const path = request.onnxPath;
    if (!isAbsolute(path)) throw new ApiError('VALIDATION', `The model file must be an absolute path (got ${path}).`);
    if (!existsSync(path) || !statSync(path).isFile())
      throw new ApiError('VALIDATION', `${path} is not a file; give the path of an .onnx model exported from PyTorch (torch.onnx.export) or SegBench.`);
    if (/\.safetensors$/i.test(path) && !request.smpEncoder) {
      throw new ApiError(
        'VALIDATION',
        `${basename(path)} is a safetensors state_dict, not an ONNX model: to import a segmentation_models_pytorch Unet, say its encoder (--encoder, e.g. resnet34); to fine-tune it, train with --pretrained instead.`,
      );
    }
    const dataset = statements.datasetById.get(request.datasetId);
    if (!dataset) throw new ApiError('NOT_FOUND', `No dataset with id ${request.datasetId}. List them with the Datasets page or \`segbench datasets\`.`);
    if (dataset.state === 'indexing') throw new ApiError('CONFLICT', `Dataset "${dataset.name}" is still being indexed; import the model once it is ready.`);
    if (parseBandLayout(dataset.bands)) {
      throw new ApiError('VALIDATION', `Dataset "${dataset.name}" is multispectral; imported models take RGB images for now. Import into an RGB dataset.`);
    }
    const { classNames, labelMap } = trainingClasses(parseClasses(dataset.classes));
    if (classNames.length < 2)
      throw new ApiError('VALIDATION', `Dataset "${dataset.name}" has ${classNames.length} class(es) to learn; a segmentation model needs at least 2.`);
    if (request.classNames && new Set(request.classNames).size !== request.classNames.length)
      throw new ApiError('VALIDATION', 'The classes file names a class twice; name each output channel once.');
    const probe = statements.splitImages
      .all(dataset.id, 'val')
      .slice(0, probeImages)
      .map((i) => ({ imageId: i.id, imagePath: i.image_path, maskPath: i.mask_path }));
    const id = randomUUID();
    const runDir = join(this.options.dataDir, 'runs', id);
    const job = jobs.enqueue('import-model', {
      source: path,
      dest: join(runDir, 'model.onnx'),
      classNames,
      modelClassNames: request.classNames ?? null,
      channels: 3,
      normalize: request.normalize,
      window: request.window ?? null,
      probe,
      labelMap,
      smpEncoder: request.smpEncoder ?? null,
    });
    const done = await jobs.whenDoneOf('import-model', job.id);
    if (done.status !== 'finished') {
      rmSync(runDir, { recursive: true, force: true });
      throw new ApiError('VALIDATION', `The model was not imported: ${done.reason ?? done.status}`);
    }
    const { model, window } = resultOf(done);
    if (window > 1024) {
      rmSync(runDir, { recursive: true, force: true });
      throw new ApiError(
        'VALIDATION',
        `The model takes only ${window} px windows; SegBench slides windows of at most 1024 px. Export it with dynamic height and width.`,
      );
    }
    const name = request.name ?? `${basename(path)} on ${dataset.name}`;
    const config = runConfigSchema.parse({ datasetId: dataset.id, name: name.slice(0, 80), inputSize: window });
    const record: ImportedRun = { model, labelMap };
    statements.runInsertImported.run({
      id,
      name,
      dataset_id: dataset.id,
      job_id: job.id,
      model: 'onnx',
      config: JSON.stringify(config),
      created_at: new Date().toISOString(),
      run_dir: runDir,
      class_names: JSON.stringify(classNames),
      external: JSON.stringify(record),
      backend: 'onnxruntime',
      device: 'ONNX Runtime',
    });
    const summary = runSummary(statements.runById.get(id)!, statements);
    this.options.onChanged(summary);
    return summary;
  }

  /**
   * A folder of masks predicted elsewhere (in the dataset's own mask encoding) as a run: each file
   * pairs with the dataset image of its stem (`tile1.png` or `tile1_mask.png` for `tile1.jpg`,
   * as `segbench predict` names them), and is copied into the run's folder. Synchronous: there is
   * nothing to run. Sizes and values are checked when the masks are read (a mask of another size
   * skips its image with the reason).
   */
  async importMasks(request: z.output<typeof importMasksRequestSchema>): Promise<RunSummary> {
    const { statements } = this.options;
    const dir = request.masksDir;
    if (!isAbsolute(dir)) throw new ApiError('VALIDATION', `The masks folder must be an absolute path (got ${dir}).`);
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new ApiError('VALIDATION', `${dir} is not a folder; give the folder that holds the predicted masks.`);
    const dataset = statements.datasetById.get(request.datasetId);
    if (!dataset) throw new ApiError('NOT_FOUND', `No dataset with id ${request.datasetId}. List them with the Datasets page or \`segbench datasets\`.`);
    if (dataset.state === 'indexing') throw new ApiError('CONFLICT', `Dataset "${dataset.name}" is still being indexed; import the masks once it is ready.`);
    const classes = parseClasses(dataset.classes);
    const { classNames, labelMap } = trainingClasses(classes);
    if (classNames.length < 2)
      throw new ApiError('VALIDATION', `Dataset "${dataset.name}" has ${classNames.length} class(es) to learn; predicted masks need at least 2.`);
    const images = statements.imagesOfDataset.all(dataset.id).filter((i) => i.state === 'indexed');
    const byStem = new Map<string, (typeof images)[number]>();
    for (const image of images) {
      byStem.set(image.stem, image);
      const last = basename(image.stem);
      if (!byStem.has(last)) byStem.set(last, image);
    }
    const files = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && maskExtensions.test(e.name))
      .map((e) => e.name);
    const pairs = new Map<string, { file: string; image: (typeof images)[number] }>();
    const unmatched: string[] = [];
    for (const file of files.sort()) {
      const stem = file.replace(maskExtensions, '');
      const image = byStem.get(stem) ?? byStem.get(stem.replace(/_(mask|index|pred|prediction)$/i, ''));
      if (!image || pairs.has(image.image_path)) unmatched.push(file);
      else pairs.set(image.image_path, { file, image });
    }
    if (pairs.size === 0) {
      const example = images[0]
        ? `${basename(images[0].stem)}.png or ${basename(images[0].stem)}_mask.png for ${basename(images[0].image_path)}`
        : 'tile1.png for tile1.jpg';
      throw new ApiError(
        'VALIDATION',
        `None of the ${files.length} mask file(s) in ${dir} is named after an image of dataset "${dataset.name}" (e.g. ${example}).`,
      );
    }
    await checkEncoding(
      [...pairs.values()].slice(0, encodingSample).map((p) => join(dir, p.file)),
      classes,
      dataset.mask_kind === 'rgb',
      dataset.name,
    );
    const id = randomUUID();
    const runDir = join(this.options.dataDir, 'runs', id);
    const copies = join(runDir, 'masks');
    mkdirSync(copies, { recursive: true });
    const record: Record<string, string> = {};
    try {
      for (const [path, { file }] of pairs) {
        copyFileSync(join(dir, file), join(copies, file), constants.COPYFILE_EXCL);
        record[path] = file;
      }
    } catch (error) {
      rmSync(runDir, { recursive: true, force: true });
      throw new ApiError('VALIDATION', `The masks could not be copied into the run's folder: ${(error as Error).message}`);
    }
    const splitCount = (split: string): string => {
      const of = images.filter((i) => i.split === split);
      return `${split} ${of.filter((i) => pairs.has(i.image_path)).length} of ${of.length}`;
    };
    const findings = [
      `${pairs.size} predicted mask${pairs.size === 1 ? '' : 's'} for the dataset's ${images.length} images (${['train', 'val', 'test'].map(splitCount).join(', ')}); an image without one is skipped when scored.`,
      ...(unmatched.length > 0
        ? [`${unmatched.length} file(s) name no image of the dataset and were left out, e.g. ${unmatched.slice(0, 3).join(', ')}.`]
        : []),
      `Read in the dataset's own mask encoding (${dataset.mask_kind === 'rgb' ? 'RGB palette colours' : 'index values'}); a pixel of no class counts as missed. TTA does not apply: its rows equal the plain ones.`,
    ];
    const masks: PredictedMasks = { kind: 'masks', dir: copies, source: dir, files: record, findings };
    const name = request.name ?? `${basename(dir)} (masks) on ${dataset.name}`;
    const config = runConfigSchema.parse({ datasetId: dataset.id, name: name.slice(0, 80) });
    const imported: ImportedRun = { masks, labelMap };
    statements.runInsertImported.run({
      id,
      name,
      dataset_id: dataset.id,
      job_id: null,
      model: 'masks',
      config: JSON.stringify(config),
      created_at: new Date().toISOString(),
      run_dir: runDir,
      class_names: JSON.stringify(classNames),
      external: JSON.stringify(imported),
      backend: null,
      device: null,
    });
    const summary = runSummary(statements.runById.get(id)!, statements);
    this.options.onChanged(summary);
    return summary;
  }
}

/** How many predicted masks the import reads to check their encoding. */
const encodingSample = 3;

/**
 * Refuses predicted masks that are not in the dataset's encoding: index masks for a palette
 * dataset or the reverse, or values that are mostly no class of the dataset (class indices 0..n-1
 * where the dataset's masks use other values). A few masks are read, shrunk to 256 px.
 */
async function checkEncoding(paths: readonly string[], classes: readonly ClassDef[], rgb: boolean, datasetName: string): Promise<void> {
  const known = new Set(classes.flatMap((c) => c.values));
  const show = (value: number): string => (rgb ? valueToHex(value) : String(value));
  for (const path of paths) {
    let mask;
    try {
      mask = await readMask(path, 256);
    } catch (error) {
      throw new ApiError('VALIDATION', `${basename(path)} is not a readable mask: ${(error as Error).message}`);
    }
    if ((mask.channels === 3) !== rgb) {
      throw new ApiError(
        'VALIDATION',
        `${basename(path)} is ${mask.channels === 3 ? 'a colour' : 'a one-channel index'} mask; dataset "${datasetName}" uses ${rgb ? 'RGB palette colours' : 'index values'}. Export the predictions in the dataset's own encoding (segbench predict --encoding mask-values).`,
      );
    }
    const counts = new Map<number, number>();
    for (const value of mask.values) counts.set(value, (counts.get(value) ?? 0) + 1);
    let covered = 0;
    for (const [value, n] of counts) if (known.has(value)) covered += n;
    if (covered < mask.values.length / 2) {
      const found = [...counts.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([v]) => show(v));
      const valid = classes.slice(0, 8).map((c) => `${c.name} ${c.values.map(show).join('/')}`);
      throw new ApiError(
        'VALIDATION',
        `${basename(path)} holds mostly values that are no class of dataset "${datasetName}" (found ${found.join(', ')}; the classes are ${valid.join(', ')}). Export the predictions in the dataset's own encoding (segbench predict --encoding mask-values).`,
      );
    }
  }
}

/** Mask files a folder of predictions may hold. */
const maskExtensions = /\.(png|tif|tiff|bmp)$/i;
