import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { tempDir } from '../../helpers/services';
import sharp from 'sharp';
import { onnx } from 'onnx-proto';
import { presets } from '../../../src-shared/classes';

const cli = 'src-main/cli/segbench.cjs';

/** A greyscale PNG of the given size with one row of pixel data: enough for its header to be read. */
function pngHeader(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(width + 1))), chunk('IEND', Buffer.alloc(0))]);
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k += 1) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function run(args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, out: result.stdout + result.stderr };
}

test('help lists the commands; an unknown command says which are valid', () => {
  const help = run(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /segbench serve \[--port N\] \[--host H\] \[--data-dir DIR\]/);
  assert.match(help.out, /segbench split --dataset NAME \(--from-folders \| --from-lists DIR \| --val-pattern RE/);
  const wrong = run(['trian']);
  assert.equal(wrong.code, 1);
  assert.match(
    wrong.out,
    /Unknown command "trian"\. Valid commands: start, serve, import, sample, train, eval, predict, export, import-model, import-masks, merge, split, duplicates, label-errors, pseudo, weights, help, version\./,
  );
});

test('a port out of range is refused with the valid range', () => {
  const result = run(['serve', '--port', '70000', '--data-dir', tempDir()]);
  assert.equal(result.code, 1);
  assert.match(result.out, /--port must be a whole number from 0 to 65535 \(0 picks a free port\); got "70000"/);
});

test('a database from a newer SegBench stops serve with a clear message and is not touched', () => {
  const dataDir = tempDir();
  const file = join(dataDir, 'segbench.db');
  const db = new Database(file);
  db.pragma('user_version = 99');
  db.close();
  const before = readFileSync(file);
  const result = run(['serve', '--port', '0', '--data-dir', dataDir]);
  assert.equal(result.code, 1);
  assert.match(result.out, /has schema version 99, but this SegBench knows versions up to \d+/);
  assert.deepEqual(readFileSync(file), before);
});

test('a port already in use gets a clear message', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as AddressInfo).port;
  const result = run(['serve', '--port', String(port), '--data-dir', tempDir()]);
  blocker.close();
  assert.equal(result.code, 1);
  assert.match(result.out, new RegExp(`Port ${port} on 127.0.0.1 is already in use`));
});

test('binding anything but loopback prints a loud warning', async () => {
  const child = spawn(process.execPath, [cli, 'serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', tempDir()]);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed:\n${output}`)), 15_000);
    child.stdout.on('data', () => {
      if (output.includes('?token=')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  assert.match(output, /WARNING: binding 0\.0\.0\.0, which is not loopback/);
  // A wildcard bind is no address a browser can open: the machine's own addresses are printed.
  assert.doesNotMatch(output, /http:\/\/0\.0\.0\.0/);
  assert.match(output, /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}/);
  for (const address of Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => a.family === 'IPv4')) {
    assert.match(output, new RegExp(`http://${address.address.replaceAll('.', '\\.')}:\\d+/\\?token=`));
  }
});

// The fixture tests/fixtures/dubai-aerial: 11 real pairs of scenes 1 (6), 2 (2), 3 (1) and 6 (2).
const dubai = join('tests', 'fixtures', 'dubai-aerial');

test('segbench import of dubai-aerial reports 11 pairs, its six palette colours and the stray black as unknown', () => {
  const dataDir = tempDir();
  const args = ['import', '--images', join(dubai, 'images'), '--masks', join(dubai, 'masks'), '--name', 'dubai', '--data-dir', dataDir];
  const text = run(args);
  assert.equal(text.code, 0, text.out);
  assert.match(text.out, /Pairs found: 11/);
  assert.match(text.out, /Masks: RGB palette colours; 6 palette value\(s\), preset dubai-aerial:/);
  for (const colour of ['#3c1098', '#8429f6', '#6ec1e4', '#fedd3a', '#e2a929', '#9b9b9b']) assert.match(text.out, new RegExp(colour));
  assert.match(
    text.out,
    /Unknown values \(not in the palette; treated as ignore, never as a class\):\n\s+#000000 \(0,0,0\)\s+678 pixels in 1 images, e\.g\. tile6_image_part_005/,
  );

  // The same name again re-indexes only what changed (nothing), and --json gives the detail.
  const again = spawnSync(process.execPath, [cli, ...args, '--json'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(again.status, 0, again.stderr);
  const detail = JSON.parse(again.stdout) as { pairing: { pairs: number }; indexedCount: number; values: { value: number; classIndex: number | null }[] };
  assert.equal(detail.pairing.pairs, 11);
  assert.equal(detail.indexedCount, 11);
  assert.deepEqual(
    detail.values.filter((v) => v.classIndex === null).map((v) => v.value),
    [0],
  );

  assert.match(text.out, /Split: train \d+, val \d+, test 0 \(from a seeded random draw; change it with segbench split\)/);

  // segbench split, from each source; the dataset by a prefix of its name.
  const split = (...more: string[]) => run(['split', '--dataset', 'dub', '--data-dir', dataDir, ...more]);
  const byPattern = split('--val-pattern', '^tile[23]_', '--test-pattern', '^tile6_');
  assert.equal(byPattern.code, 0, byPattern.out);
  assert.match(byPattern.out, /Split of "dubai" from the name patterns: train 6 · val 3 · test 2\./);
  const lists = join(dataDir, 'lists');
  mkdirSync(lists);
  writeFileSync(join(lists, 'train.txt'), Array.from({ length: 6 }, (_, i) => `tile1_image_part_00${i + 1}.jpg`).join('\n'));
  writeFileSync(join(lists, 'val.txt'), 'tile2_image_part_001\ntile2_image_part_002\n');
  const byLists = split('--from-lists', lists);
  assert.equal(byLists.code, 0, byLists.out);
  assert.match(byLists.out, /from the list files: train 6 · val 2 · test 0 · unassigned 3\.\nlists train\.txt \(6\), val\.txt \(2\); 3 images in no list/);
  const byRatios = spawnSync(
    process.execPath,
    [cli, 'split', '--dataset', 'dubai', '--ratios', '0.75,0.25', '--group', '^(tile\\d+)_', '--seed', '3', '--data-dir', dataDir, '--json'],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(byRatios.status, 0, byRatios.stderr);
  const counts = JSON.parse(byRatios.stdout) as { from: string; counts: { train: number; val: number; none: number } };
  assert.equal(counts.from, 'random');
  assert.equal(counts.counts.train + counts.counts.val, 11);
  assert.ok(counts.counts.train > 0 && counts.counts.val > 0, JSON.stringify(counts.counts));
  // Whole scenes: every tile's parts in one split (the scenes have 6, 2, 1 and 2 parts here).
  const db = new Database(join(dataDir, 'segbench.db'), { readonly: true });
  const stored = db.prepare("SELECT i.stem, i.split FROM images i JOIN datasets d ON d.id = i.dataset_id WHERE d.name = 'dubai'").all() as {
    stem: string;
    split: string;
  }[];
  db.close();
  const splitsOfScene = new Map<string, Set<string>>();
  for (const { stem, split: s } of stored) {
    const scene = stem.split('_')[0]!;
    splitsOfScene.set(scene, (splitsOfScene.get(scene) ?? new Set<string>()).add(s));
  }
  assert.deepEqual([...splitsOfScene.keys()].sort(), ['tile1', 'tile2', 'tile3', 'tile6']);
  for (const [scene, splits] of splitsOfScene) assert.equal(splits.size, 1, `${scene} in ${[...splits].join(', ')}`);
  const noFolders = split('--from-folders');
  assert.equal(noFolders.code, 1);
  assert.match(noFolders.out, /No validation or test folder among the images' folders \(the images are not in sub-folders\)/);
  const none = split();
  assert.equal(none.code, 1);
  assert.match(none.out, /Give one split source: --from-folders, --from-lists DIR/);

  // Near-duplicates: no real tile is a copy of another at the default 0.97.
  const dupes = spawnSync(process.execPath, [cli, 'duplicates', '--dataset', 'dubai', '--data-dir', dataDir, '--json'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(dupes.status, 0, dupes.stderr);
  const report = JSON.parse(dupes.stdout) as { hashed: number; threshold: number; groups: unknown[] };
  assert.deepEqual([report.hashed, report.threshold, report.groups.length], [11, 0.97, 0]);
  // A merge preview from a JSON file, sources by name; a bad target is refused with the valid ones.
  const mergeFile = join(dataDir, 'merge.json');
  const classes = [
    { name: 'Built', color: '#3c1098' },
    { name: 'Open', color: '#8429f6' },
    { name: 'Green', color: '#fedd3a' },
    { name: 'Water', color: '#e2a929' },
  ];
  const mapping = { Building: 'Built', Road: 'Built', 'Land (unpaved)': 'Open', Vegetation: 'Green', Unlabeled: '@ignore' };
  writeFileSync(
    mergeFile,
    JSON.stringify({ name: 'dubai 4 classes', classes, sources: [{ dataset: 'dubai', mapping }], filters: [{ className: 'Water', maxShare: 0.5 }] }),
  );
  const preview = run(['merge', '--config', mergeFile, '--preview', '--data-dir', dataDir]);
  assert.equal(preview.code, 0, preview.out);
  assert.match(preview.out, /dubai: \d+ of 11 images kept \(0 dropped by class, \d+ by filters\)/);
  assert.match(preview.out, /Built\s+\d+\s+\d+\.\d%/);
  writeFileSync(mergeFile, JSON.stringify({ name: 'bad', classes, sources: [{ dataset: 'dubai', mapping: { ...mapping, Road: 'Asphalt' } }] }));
  const bad = run(['merge', '--config', mergeFile, '--data-dir', dataDir]);
  assert.equal(bad.code, 1);
  assert.match(bad.out, /class "Road" of "dubai" maps to "Asphalt", which is not a target class \(Built, Open, Green, Water\)/);
});

test('segbench sample, then segbench train on it with the built engine, prints the run summary as JSON', async () => {
  const dataDir = tempDir();
  const sample = spawnSync(process.execPath, [cli, 'sample', '--count', '12', '--size', '48', '--data-dir', dataDir], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(sample.status, 0, sample.stderr);
  const config = join(dataDir, 'tiny.json');
  writeFileSync(config, JSON.stringify({ modelOptions: { depth: 2, width: 4 }, stepsPerEpoch: 2, backend: 'wasm' }));
  const train = spawnSync(
    process.execPath,
    [
      cli,
      'train',
      '--dataset',
      // `segbench sample` then `--dataset sample`: a unique prefix of the name is enough.
      'sample',
      '--epochs',
      '2',
      '--size',
      '32',
      '--batch',
      '2',
      '--config',
      config,
      '--replicate',
      'Water, Building',
      '--replicate-times',
      '3',
      '--minority-crops',
      'Water',
      '--data-dir',
      dataDir,
      '--json',
    ],
    { encoding: 'utf8', timeout: 180_000 },
  );
  assert.equal(train.status, 0, train.stderr);
  const summary = JSON.parse(train.stdout) as {
    status: string;
    backend: string;
    epochs: number;
    bestEpoch: number;
    miou: number;
    perClassIou: Record<string, number | null>;
  };
  assert.equal(summary.status, 'finished');
  assert.equal(summary.backend, 'wasm');
  assert.equal(summary.epochs, 2);
  assert.ok(summary.miou >= 0 && summary.miou <= 1);
  assert.deepEqual(Object.keys(summary.perClassIou), ['Bare land', 'Cropland', 'Forest', 'Water', 'Road', 'Building']);
  assert.match(train.stderr, /epoch 2\/2: train loss \d\.\d{4}, val loss \d\.\d{4}, mIoU \d\.\d{3}/);

  const runId = (JSON.parse(train.stdout) as { runId: string }).runId;
  const db = new Database(join(dataDir, 'segbench.db'), { readonly: true });
  const stored = JSON.parse(db.prepare('SELECT config FROM runs WHERE id = ?').pluck().get(runId) as string) as {
    replicate: { classes: string[]; minShare: number; times: number };
    minorityCrops: { classes: string[]; share: number };
  };
  db.close();
  assert.deepEqual([stored.replicate.classes, stored.replicate.minShare, stored.replicate.times], [['Water', 'Building'], 0.05, 3]);
  assert.deepEqual([stored.minorityCrops.classes, stored.minorityCrops.share], [['Water'], 0.7]);
  // A run is named by a unique prefix of its id as well as by the id.
  const evaluated = spawnSync(process.execPath, [cli, 'eval', '--run', runId.slice(0, 8), '--data-dir', dataDir, '--json'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(evaluated.status, 0, evaluated.stderr);
  const metrics = JSON.parse(evaluated.stdout) as { split: string; miou: number; perClass: Record<string, { iou: number | null }> };
  assert.equal(metrics.split, 'val');
  assert.equal(Object.keys(metrics.perClass).length, 6);

  // Issue 29: the model out as ONNX, with what a user needs to run it elsewhere; never over a file.
  const onnxPath = join(tempDir(), 'tiny.onnx');
  const exported = run(['export', '--run', runId.slice(0, 8), '--out', onnxPath, '--data-dir', dataDir]);
  assert.equal(exported.code, 0, exported.out);
  assert.match(
    exported.out,
    /Exported run ".*" \(best checkpoint, epoch \d\) to .*tiny\.onnx \([\d.]+ [KM]iB, ONNX opset 17\); metadata in .*tiny\.onnx\.json\.\n {2}input "image": float32 \[batch, height, width, 3\] \(NHWC\), each channel \(value - mean\) \/ std with mean \[[\d., ]+\] and std \[[\d., ]+\]; height and width multiples of 4\n {2}output "logits": float32 \[batch, height, width, 6\] \(NHWC\): Bare land, Cropland, Forest, Water, Road, Building/,
  );
  const sidecar = JSON.parse(readFileSync(`${onnxPath}.json`, 'utf8')) as {
    classes: { name: string; color: string; maskValue: number | null }[];
    normalization: { mean: number[] };
    stride: number;
    window: { size: number };
    maskKind: string;
  };
  const samplePreset = presets.find((p) => p.id === 'segbench-sample')!;
  assert.deepEqual(
    sidecar.classes.map((c) => [c.name, c.maskValue]),
    samplePreset.classes.map((c) => [c.name, c.value]),
  );
  assert.deepEqual([sidecar.stride, sidecar.window.size, sidecar.maskKind, sidecar.normalization.mean.length], [4, 32, 'rgb', 3]);
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(readFileSync(onnxPath));
  assert.deepEqual([session.inputNames, session.outputNames], [['image'], ['logits']]);
  // Any size that is a multiple of the stride: 40x24 here, trained at 32.
  const output = (await session.run({ image: new ort.Tensor('float32', new Float32Array(2 * 40 * 24 * 3).fill(0.1), [2, 40, 24, 3]) })).logits!;
  assert.deepEqual(output.dims, [2, 40, 24, 6]);
  const metadata = Object.fromEntries(onnx.ModelProto.decode(readFileSync(onnxPath)).metadataProps.map((p) => [p.key, p.value]));
  assert.deepEqual(JSON.parse(metadata.classes!), sidecar.classes);
  await session.release();
  assert.match(
    run(['export', '--run', runId, '--out', onnxPath, '--data-dir', dataDir]).out,
    /tiny\.onnx already exists; SegBench never replaces a file: choose another name\./,
  );
  assert.match(run(['export', '--run', runId, '--out', join(tempDir(), 'model.pt'), '--data-dir', dataDir]).out, /The output file must end in \.onnx/);

  // And back in: the exported file imports as an external run, normalised as its own metadata says,
  // and scores as the run it came from (the same weights, on ONNX Runtime both times).
  const imported = run(['import-model', '--onnx', onnxPath, '--dataset', 'sample', '--window', '32', '--data-dir', dataDir]);
  assert.equal(imported.code, 0, imported.out);
  assert.match(
    imported.out,
    /Imported .*tiny\.onnx \([\d.]+ KiB\) as run [0-9a-f-]+ "tiny\.onnx on .*"\.\n {2}Input NHWC \[batch, height, width, 3\]\.\n {2}Normalisation: from the file's SegBench metadata\.\n {2}6 output channels, one per class\.\n {2}Input stride 4: any size that is a multiple of 4 px\.\n {2}It gives logits/,
  );
  const importedId = /as run ([0-9a-f-]+)/.exec(imported.out)![1]!;
  const again = spawnSync(process.execPath, [cli, 'eval', '--run', importedId, '--data-dir', dataDir, '--json'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(again.status, 0, again.stderr);
  assert.ok(
    Math.abs((JSON.parse(again.stdout) as { miou: number }).miou - metrics.miou) < 1e-3,
    `imported mIoU ${again.stdout.slice(0, 80)} vs the run's ${metrics.miou}`,
  );
  assert.match(
    run(['import-model', '--onnx', onnxPath, '--dataset', 'sample', '--normalize', '0.5', '--data-dir', dataDir]).out,
    /--normalize "0\.5" is not valid: give imagenet, none, or MEAN,STD/,
  );

  const input = tempDir();
  copyFileSync(join(dubai, 'images', 'tile1_image_part_001.jpg'), join(input, 'tile.jpg'));
  writeFileSync(join(input, 'broken.png'), 'not an image');
  const out = join(tempDir(), 'predictions');
  const predicted = run(['predict', '--run', runId, '--images', input, '--out', out, '--data-dir', dataDir]);
  assert.equal(predicted.code, 0, predicted.out);
  assert.match(
    predicted.out,
    /Wrote 1 prediction\(s\) to .*: <name>_mask\.png in the dataset's own mask values \(RGB palette colours\)[\s\S]*skipped .*broken\.png: not a readable image/,
  );
  // Beside the predictions, the list of the files SegBench wrote (what it may replace next time).
  assert.deepEqual(readdirSync(out).sort(), ['.segbench-predictions.json', 'tile_color.png', 'tile_mask.png']);
  // By default the labels are the dataset's own mask values: here the sample's palette colours.
  const palette = new Set(presets.find((p) => p.id === 'segbench-sample')!.classes.map((c) => c.value));
  const { data: maskBytes, info: maskInfo } = await sharp(join(out, 'tile_mask.png')).raw().toBuffer({ resolveWithObject: true });
  assert.equal(maskInfo.channels, 3);
  for (let i = 0; i < maskBytes.length; i += 3 * 97)
    assert.ok(palette.has((maskBytes[i]! << 16) | (maskBytes[i + 1]! << 8) | maskBytes[i + 2]!), 'a palette colour');
  const asIndex = join(tempDir(), 'as-index');
  const indexed = run(['predict', '--run', runId, '--images', input, '--out', asIndex, '--encoding', 'class-index', '--data-dir', dataDir]);
  assert.equal(indexed.code, 0, indexed.out);
  assert.deepEqual(readdirSync(asIndex).sort(), ['.segbench-predictions.json', 'tile_color.png', 'tile_index.png']);
  assert.match(
    run(['predict', '--run', runId, '--images', input, '--out', asIndex, '--encoding', 'utf8', '--data-dir', dataDir]).out,
    /--encoding utf8 is not one of class-index, mask-values, palette/,
  );
  const empty = run(['predict', '--run', runId, '--images', tempDir(), '--out', out, '--data-dir', dataDir]);
  assert.match(empty.out, /No images \(JPEG, PNG, TIFF\) in /);
  // A 20000x20000 PNG (its header is enough: the size is checked before anything is decoded).
  const huge = tempDir();
  writeFileSync(join(huge, 'huge.png'), pngHeader(20_000, 20_000));
  const tooBig = run(['predict', '--run', runId, '--images', huge, '--out', out, '--data-dir', dataDir]);
  assert.equal(tooBig.code, 1, tooBig.out);
  assert.match(tooBig.out, /Wrote 0 prediction\(s\)/);
  assert.match(
    tooBig.out,
    /the image is 20000x20000 \(400\.0 megapixels\), over the limit of 268\.4 megapixels .* Cut it into tiles .* or raise the limit with SEGBENCH_MAX_PIXELS=400000000/,
  );
  assert.match(tooBig.out, /no prediction was written/);

  const bad = run(['train', '--dataset', 'nope', '--data-dir', dataDir]);
  assert.equal(bad.code, 1);
  assert.match(bad.out, /No dataset "nope"\. Known: "Sample: synthetic land cover"\./);
  const badSize = run(['train', '--dataset', 'Sample: synthetic land cover', '--size', '100', '--data-dir', dataDir]);
  assert.match(badSize.out, /Input size 100 does not fit unet: it must be a multiple of 16\. Nearest valid: 96 or 112\./);
  const badShare = run(['train', '--dataset', 'Sample: synthetic land cover', '--replicate', 'Water', '--replicate-share', '5', '--data-dir', dataDir]);
  assert.match(badShare.out, /--replicate-share must be a share between 0 and 1 \(e\.g\. 0\.05 for 5%\); got "5"/);

  // Distillation from the run above: a matrix whose row does not sum to 1 is refused; the identity by name trains.
  const matrixFile = join(dataDir, 'matrix.json');
  writeFileSync(matrixFile, JSON.stringify([0, 1, 2, 3, 4, 5].map((t) => [0, 1, 2, 3, 4, 5].map((c) => (c === t ? (t === 2 ? 0.5 : 1) : 0)))));
  const badMatrix = run([
    'train',
    '--dataset',
    'Sample: synthetic land cover',
    '--size',
    '32',
    '--distill-from',
    runId,
    '--distill-matrix',
    matrixFile,
    '--data-dir',
    dataDir,
  ]);
  assert.equal(badMatrix.code, 1);
  assert.match(badMatrix.out, /distill\.matrix: row "Forest" sums to 0\.5\. Each row must sum to 1/);
  const student = spawnSync(
    process.execPath,
    [
      cli,
      'train',
      '--dataset',
      'Sample: synthetic land cover',
      '--epochs',
      '1',
      '--size',
      '32',
      '--batch',
      '2',
      '--config',
      config,
      '--distill-from',
      runId,
      '--distill-alpha',
      '0.6',
      '--distill-temperature',
      '4',
      '--data-dir',
      dataDir,
      '--json',
    ],
    { encoding: 'utf8', timeout: 180_000 },
  );
  assert.equal(student.status, 0, student.stderr);
  const studentRun = (JSON.parse(student.stdout) as { runId: string; status: string }).runId;
  const db2 = new Database(join(dataDir, 'segbench.db'), { readonly: true });
  const distill = (
    JSON.parse(db2.prepare('SELECT config FROM runs WHERE id = ?').pluck().get(studentRun) as string) as {
      distill: { teacherRunId: string; alpha: number; temperature: number };
    }
  ).distill;
  db2.close();
  assert.deepEqual([distill.teacherRunId, distill.alpha, distill.temperature], [runId, 0.6, 4]);

  // Pseudo-labels of the predict folder (one tile, one broken file), saved at 0.16: every winning
  // probability of six classes is at least 1/6, so every pixel is kept.
  const pseudo = spawnSync(
    process.execPath,
    [cli, 'pseudo', '--run', runId, '--images', input, '--threshold', '0.16', '--name', 'pseudo tile', '--data-dir', dataDir, '--json'],
    { encoding: 'utf8', timeout: 180_000 },
  );
  assert.equal(pseudo.status, 0, pseudo.stderr);
  const pseudoOut = JSON.parse(pseudo.stdout) as { images: number; skipped: unknown[]; kept: Record<string, number[]>; dataset: { name: string } };
  assert.deepEqual([pseudoOut.images, pseudoOut.skipped.length, pseudoOut.dataset.name], [1, 1, 'pseudo tile']);
  const keptAt05 = pseudoOut.kept['0.5']!.reduce((a, b) => a + b, 0);
  const keptAt09 = pseudoOut.kept['0.9']!.reduce((a, b) => a + b, 0);
  assert.ok(keptAt09 <= keptAt05);
});
