import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { channelCount } from '../../src-shared/bands';
import { classColorsFor } from '../../src-shared/class-colors';
import { ApiError } from '../../src-shared/errors';
import type { JobParamsInput } from '../../src-shared/job-kinds';
import { modelStride } from '../../src-shared/run-config';
import { parseClasses } from '../datasets/dataset-queries';
import type { Statements } from '../db/statements';
import type { JobService } from '../jobs/job-service';
import type { TypedJob } from '../jobs/typed-job';
import type { RunService } from './run-service';

/**
 * A finished run's model out of SegBench: checks the request (a checkpoint exists, an absolute
 * path that is free, in a folder that exists) and queues the engine's `export-model` job with
 * everything the file's metadata carries (classes with their colours and mask values, the model,
 * its stride and window); the engine adds the epoch and the normalisation from the checkpoint.
 */
export class ModelExportService {
  constructor(private readonly options: { statements: Statements; jobs: JobService; runs: RunService }) {}

  export(request: { runId: string; checkpoint: 'best' | 'last'; format: 'onnx'; outPath: string }): TypedJob<'export-model'> {
    const { row, train, external, predictedMasks } = this.options.runs.trainParams(request.runId);
    if (predictedMasks)
      throw new ApiError('VALIDATION', `Run "${row.name}" is a folder of predicted masks (${predictedMasks.source}); it has no model to export.`);
    if (external)
      throw new ApiError('VALIDATION', `Run "${row.name}" is an imported ONNX model already: its file is ${external.file} (imported from ${external.source}).`);
    const { outPath } = request;
    if (!isAbsolute(outPath)) throw new ApiError('VALIDATION', `The output path must be absolute (got ${outPath}).`);
    if (!/\.onnx$/i.test(outPath))
      throw new ApiError('VALIDATION', `The output file must end in .onnx (got ${outPath}); its metadata goes beside it as ${outPath}.onnx.json.`);
    if (existsSync(outPath) || existsSync(`${outPath}.json`)) {
      throw new ApiError(
        'CONFLICT',
        `${existsSync(outPath) ? outPath : `${outPath}.json`} already exists; SegBench never replaces a file: choose another name.`,
      );
    }
    const folder = dirname(outPath);
    if (!existsSync(folder) || !statSync(folder).isDirectory())
      throw new ApiError('VALIDATION', `The folder ${folder} does not exist; create it or choose another.`);
    if (!existsSync(join(train.runDir, request.checkpoint, 'checkpoint.json'))) {
      throw new ApiError('CONFLICT', `Run "${row.name}" has no ${request.checkpoint} checkpoint yet; it stores one after its first validated epoch.`);
    }
    const config = train.config;
    const dataset = row.dataset_id ? this.options.statements.datasetById.get(row.dataset_id) : undefined;
    const classes = dataset ? parseClasses(dataset.classes) : [];
    const colors = classColorsFor(train.classNames, classes);
    const params: JobParamsInput<'export-model'> = {
      runDir: train.runDir,
      checkpoint: request.checkpoint,
      config,
      classNames: train.classNames,
      outPath,
      meta: {
        format: 'segbench-onnx',
        run: { id: row.id, name: row.name },
        checkpoint: request.checkpoint,
        model: config.model,
        modelOptions: { ...config.modelOptions },
        classes: train.classNames.map((name, i) => ({
          name,
          color: colors[i] ?? '#888888',
          maskValue: classes.find((c) => c.name === name)?.values[0] ?? null,
        })),
        maskKind: dataset?.mask_kind === 'rgb' ? 'rgb' : dataset?.mask_kind === 'index' ? 'index' : null,
        inputChannels: config.inputChannels,
        channels: channelCount(config.inputChannels),
        stride: modelStride(config.model, config.modelOptions),
        window: { size: config.inputSize, overlap: config.validationOverlap },
        layout: { input: 'NHWC', output: 'NHWC logits' },
      },
    };
    return this.options.jobs.enqueue('export-model', params);
  }
}
