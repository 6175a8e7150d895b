import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { latestSchemaVersion } from '../../../src-main/db/migrations';
import { createMemoryClient } from '../../../src-main/ipc/memory-transport';
import { testServices } from '../../helpers/services';

const services = testServices();
const api = createMemoryClient(services);
after(() => services.close());

test('a request of the wrong shape gets a VALIDATION error naming the field and the valid range', async () => {
  const reply = await services.dispatch('jobs:startDiagnostic', { steps: 200_000, stepMs: 'fast' });
  assert.equal(reply.ok, false);
  assert.ok(!reply.ok);
  assert.equal(reply.error.code, 'VALIDATION');
  assert.match(reply.error.message, /^Invalid request for jobs:startDiagnostic: /);
  assert.match(reply.error.message, /steps: Too big: expected number to be <=100000; valid: 1 to 100000 \(got 200000\)/);
  assert.match(reply.error.message, /stepMs: Invalid input: expected number, received string \(got "fast"\)/);
});

test('unknown fields, unknown methods and non-object payloads are refused, never thrown', async () => {
  const extra = await services.dispatch('settings:update', { theme: 'dark', colour: 'red' });
  assert.ok(!extra.ok && extra.error.code === 'VALIDATION' && /Unrecognized key: "colour"/.test(extra.error.message));

  const unknown = await services.dispatch('datasets:destroyEverything', {});
  assert.ok(!unknown.ok && unknown.error.code === 'UNKNOWN_METHOD');
  assert.match(unknown.ok ? '' : unknown.error.message, /Valid methods: system:info, settings:get/);

  for (const payload of [null, 42, 'text', [1, 2]]) {
    const reply = await services.dispatch('jobs:get', payload);
    assert.ok(!reply.ok && reply.error.code === 'VALIDATION', `payload ${JSON.stringify(payload)}`);
  }
});

test('an enum field lists its valid values', async () => {
  await assert.rejects(api.invoke('settings:update', { backend: 'cuda' as 'wasm' }), {
    code: 'VALIDATION',
    message: /backend: Invalid option: expected one of "auto"\|"tfjs-node-gpu"\|"webgpu"\|"tfjs-node"\|"wasm" \(got "cuda"\)/,
  });
});

test('settings persist in SQLite and announce the change', async () => {
  const seen: string[] = [];
  const unsubscribe = api.on('settings:changed', (settings) => seen.push(settings.theme));
  assert.deepEqual(await api.invoke('settings:get', {}), { backend: 'auto', theme: 'system' });
  assert.deepEqual(await api.invoke('settings:update', { theme: 'dark' }), { backend: 'auto', theme: 'dark' });
  unsubscribe();
  await api.invoke('settings:update', { theme: 'light' });
  assert.deepEqual(seen, ['dark']);
  const stored = services.db.prepare("SELECT value FROM settings WHERE key = 'theme'").pluck().get();
  assert.equal(stored, '"light"');
});

test('a missing job is NOT_FOUND; the system report names the data directory and schema', async () => {
  await assert.rejects(api.invoke('jobs:get', { jobId: 'nope' }), { code: 'NOT_FOUND', message: 'No job with id nope.' });
  const info = await api.invoke('system:info', {});
  assert.equal(info.dataDir, services.dataDir);
  assert.equal(info.schemaVersion, latestSchemaVersion);
  assert.deepEqual(
    info.optionalPackages.map((pkg) => pkg.name),
    ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', 'electron'],
  );
});

test('the catalogue lists are real queries: empty on a new store, rows once they exist', async () => {
  assert.deepEqual(await api.invoke('datasets:list', {}), []);
  services.db
    .prepare(
      "INSERT INTO datasets (id, name, images_dir, masks_dir, classes, state, created_at) VALUES ('d1', 'tiles', '/i', '/m', ?, 'ready', '2026-01-01T00:00:00Z')",
    )
    .run(
      // Classes as SegBench stores them (they are parsed on read).
      JSON.stringify([
        { name: 'a', color: '#000000', values: [0], ignore: false },
        { name: 'b', color: '#ffffff', values: [1], ignore: false },
      ]),
    );
  services.db.prepare("INSERT INTO images (dataset_id, stem, image_path, mask_path) VALUES ('d1', 'x', 'x.jpg', 'x.png')").run();
  assert.deepEqual(await api.invoke('datasets:list', {}), [
    {
      id: 'd1',
      name: 'tiles',
      state: 'ready',
      imageCount: 1,
      indexedCount: 0,
      problemCount: 0,
      classCount: 2,
      createdAt: '2026-01-01T00:00:00Z',
      indexJobId: null,
      // Its one image is not indexed yet: no preview tile.
      previewImageId: null,
    },
  ]);
});

test('a range error names the whole valid range, and a misplaced key says where it belongs', async () => {
  const reply = await services.dispatch('runs:start', { datasetId: 'd', batchSize: 0, lr: 0.01 });
  assert.ok(!reply.ok);
  assert.equal(reply.error.code, 'VALIDATION');
  assert.match(reply.error.message, /batchSize: Too small: expected number to be >=1; valid: 1 to \d+ \(got 0\)/);
  assert.match(reply.error.message, /Unrecognized key: "lr" \("lr" belongs under optimizer\.lr\)/);
});
