import { randomUUID } from 'node:crypto';
import { existsSync, rmSync, statSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { parseBandLayout } from '../../src-shared/bands';
import { trainingClasses } from '../../src-shared/classes';
import { ApiError } from '../../src-shared/errors';
import type { importModelRequestSchema } from '../../src-shared/model-import';
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
    if (!existsSync(path) || !statSync(path).isFile()) throw new ApiError('VALIDATION', `${path} is not a file; give the path of an .onnx model exported from PyTorch (torch.onnx.export) or SegBench.`);
    const dataset = statements.datasetById.get(request.datasetId);
    if (!dataset) throw new ApiError('NOT_FOUND', `No dataset with id ${request.datasetId}. List them with the Datasets page or \`segbench datasets\`.`);
    if (dataset.state === 'indexing') throw new ApiError('CONFLICT', `Dataset "${dataset.name}" is still being indexed; import the model once it is ready.`);
    if (parseBandLayout(dataset.bands)) {
      throw new ApiError('VALIDATION', `Dataset "${dataset.name}" is multispectral; imported models take RGB images for now. Import into an RGB dataset.`);
    }
    const { classNames, labelMap } = trainingClasses(parseClasses(dataset.classes));
    if (classNames.length < 2) throw new ApiError('VALIDATION', `Dataset "${dataset.name}" has ${classNames.length} class(es) to learn; a segmentation model needs at least 2.`);
    if (request.classNames && new Set(request.classNames).size !== request.classNames.length) throw new ApiError('VALIDATION', 'The classes file names a class twice; name each output channel once.');
    const probe = statements
      .splitImages.all(dataset.id, 'val')
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
    });
    const done = await jobs.whenDoneOf('import-model', job.id);
    if (done.status !== 'finished') {
      rmSync(runDir, { recursive: true, force: true });
      throw new ApiError('VALIDATION', `The model was not imported: ${done.reason ?? done.status}`);
    }
    const { model, window } = resultOf(done);
    if (window > 1024) {
      rmSync(runDir, { recursive: true, force: true });
      throw new ApiError('VALIDATION', `The model takes only ${window} px windows; SegBench slides windows of at most 1024 px. Export it with dynamic height and width.`);
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
    });
    const summary = runSummary(statements.runById.get(id)!, statements);
    this.options.onChanged(summary);
    return summary;
  }
}
