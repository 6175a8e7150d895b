import { link, unlink, writeFile } from 'node:fs/promises';
import type { JobParams, JobResult } from '../../../src-shared/job-kinds';
import { fileSizeText } from '../../../src-shared/model-export';
import type { ExportedModelMeta } from '../../../src-shared/model-export';
import type { JobContext } from '../job-context';
import { throwIfCancelled } from '../job-context';
import { loadRunModel } from '../model-io/load-model';
import { exportOnnxAsync, onnxOpset } from './onnx-export';

/**
 * The `export-model` job: the run's checkpoint as an ONNX file (opset 17, NHWC in, NHWC logits
 * out, batch, height and width dynamic where the model allows), its metadata in the file's
 * metadata_props and in a JSON sidecar `<file>.json`. Neither file ever replaces one that exists:
 * each is written aside and linked into place (like 'wx', a link never overwrites).
 */
export async function runModelExportJob(params: JobParams<'export-model'>, context: JobContext): Promise<JobResult<'export-model'>> {
  context.progress(0, 3, 'loading the checkpoint');
  const { model, state } = await loadRunModel(params);
  try {
    const meta: ExportedModelMeta = {
      ...params.meta,
      epoch: state.epoch,
      normalization: { mean: [...state.normalization.mean], std: [...state.normalization.std] },
      opset: onnxOpset,
    };
    throwIfCancelled(context.signal);
    context.progress(1, 3, 'writing the ONNX graph');
    const bytes = await exportOnnxAsync(model, meta);
    throwIfCancelled(context.signal);
    context.progress(2, 3, 'writing the file');
    const sidecar = `${params.outPath}.json`;
    await placeNew(params.outPath, bytes);
    try {
      await placeNew(sidecar, `${JSON.stringify(meta, null, 2)}\n`);
    } catch (error) {
      await unlink(params.outPath).catch(() => {});
      throw error;
    }
    context.progress(3, 3, `exported ${fileSizeText(bytes.length)}`);
    return { path: params.outPath, sidecar, bytes: bytes.length, meta };
  } finally {
    model.dispose();
  }
}

/** Writes `data` to `path` only if nothing is there: a temp file, then a hard link (which fails on an existing path), then the temp removed. */
async function placeNew(path: string, data: Uint8Array | string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, data, { flag: 'wx' });
  try {
    await link(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`${path} already exists; SegBench never replaces a file: choose another name.`);
    throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
}
