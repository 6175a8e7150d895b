import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseName, classOrderNames, importJobOf, importMasksRequest, importModelRequest } from '../../src-renderer/pages/runs/import-model-form';
import type { ImportModelForm } from '../../src-renderer/pages/runs/import-model-form';
import type { Job } from '../../src-shared/jobs';

const form: ImportModelForm = {
  onnxPath: ' /models/unet.onnx ',
  datasetId: 'd1',
  normalize: 'auto',
  mean: '0.5',
  std: '0.5',
  window: '',
  name: '',
  classOrder: '',
};

test('the import request: path trimmed, optional fields left out when empty', () => {
  assert.deepEqual(importModelRequest(form), { request: { onnxPath: '/models/unet.onnx', datasetId: 'd1', normalize: 'auto' } });
  assert.deepEqual(importModelRequest({ ...form, normalize: 'none', window: '128', name: ' mine ', classOrder: 'b\n\n# a comment\n a \n' }), {
    request: { onnxPath: '/models/unet.onnx', datasetId: 'd1', normalize: 'none', window: 128, name: 'mine', classNames: ['b', 'a'] },
  });
});

test('custom normalisation: one number or one per channel, separated by commas, slashes or spaces; a std of 0 is refused', () => {
  assert.deepEqual(importModelRequest({ ...form, normalize: 'custom', mean: '0.485, 0.456 / 0.406', std: '0.25' }), {
    request: { onnxPath: '/models/unet.onnx', datasetId: 'd1', normalize: { mean: [0.485, 0.456, 0.406], std: [0.25] } },
  });
  assert.match(
    (importModelRequest({ ...form, normalize: 'custom', mean: 'half' }) as { problem: string }).problem,
    /give the mean and the std as numbers on 0\.\.1 pixels/,
  );
  assert.match((importModelRequest({ ...form, normalize: 'custom', std: '0' }) as { problem: string }).problem, /std must be above 0/);
});

test('what the form refuses before asking main: no path, no dataset, a window out of range', () => {
  assert.deepEqual(importModelRequest({ ...form, onnxPath: '  ' }), { problem: 'Give the path of the .onnx file.' });
  assert.deepEqual(importModelRequest({ ...form, datasetId: '' }), { problem: 'Choose the dataset the model segments.' });
  for (const window of ['8', '2048', '12.5', 'big']) assert.match((importModelRequest({ ...form, window }) as { problem: string }).problem, /from 16 to 1024/);
  assert.deepEqual(classOrderNames(''), []);
});

test("the import's job is found by the file it reads, while it is queued or running", () => {
  const job = (id: string, status: Job['status'], source: string, kind: Job['kind'] = 'import-model') =>
    ({ id, kind, status, params: { source } }) as unknown as Job;
  const jobs = [
    job('1', 'finished', '/models/unet.onnx'),
    job('2', 'running', '/models/other.onnx'),
    job('3', 'running', '/models/unet.onnx', 'eval'),
    job('4', 'queued', '/models/unet.onnx'),
  ];
  assert.equal(importJobOf(jobs, ' /models/unet.onnx')?.id, '4');
  assert.equal(importJobOf(jobs, '/models/none.onnx'), undefined);
});

test('the masks request: folder trimmed, the name only when given; a missing folder or dataset is said before asking main', () => {
  assert.deepEqual(importMasksRequest({ masksDir: ' /preds/val ', datasetId: 'd1', name: '  ' }), { request: { masksDir: '/preds/val', datasetId: 'd1' } });
  assert.deepEqual(importMasksRequest({ masksDir: '/preds/val', datasetId: 'd1', name: ' theirs ' }), {
    request: { masksDir: '/preds/val', datasetId: 'd1', name: 'theirs' },
  });
  assert.deepEqual(importMasksRequest({ masksDir: ' ', datasetId: 'd1', name: '' }), {
    problem: 'Give the path of the folder that holds the predicted masks.',
  });
  assert.deepEqual(importMasksRequest({ masksDir: '/preds/val', datasetId: '', name: '' }), { problem: 'Choose the dataset the masks were predicted for.' });
});

test("the default name's placeholder takes the last part of a file's or a folder's path, with either separator", () => {
  assert.equal(baseName(' /models/unet.onnx '), 'unet.onnx');
  assert.equal(baseName('/preds/val/'), 'val');
  assert.equal(baseName('C:\\preds\\val'), 'val');
  assert.equal(baseName(''), '');
});
