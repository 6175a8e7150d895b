import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pairFiles } from '../../../src-main/datasets/pairing';
import type { FileEntry } from '../../../src-main/datasets/pairing';

const files = (...names: string[]): FileEntry[] => names.map((name) => ({ name, path: `/d/${name}` }));
const pairsOf = (report: ReturnType<typeof pairFiles>) => report.pairs.map((p) => `${p.stem}: ${p.image.name} + ${p.mask.name}`);

test('DeepGlobe names: 104113_sat.jpg pairs with 104113_mask.png', () => {
  const report = pairFiles(files('104113_sat.jpg', '2_sat.jpg'), files('104113_mask.png', '2_mask.png'));
  assert.deepEqual(pairsOf(report), ['2: 2_sat.jpg + 2_mask.png', '104113: 104113_sat.jpg + 104113_mask.png']);
});

test('same stem with another extension, and the dubai names image_part_001.jpg / .png', () => {
  const report = pairFiles(files('tile1_image_part_001.jpg', 'a.tif'), files('tile1_image_part_001.png', 'a.png'));
  assert.deepEqual(pairsOf(report), ['a: a.tif + a.png', 'tile1_image_part_001: tile1_image_part_001.jpg + tile1_image_part_001.png']);
});

test('unpaired files on both sides, unsupported files and duplicates are reported by name', () => {
  const report = pairFiles(files('a.jpg', 'b.jpg', 'c.jpg', 'c.png', 'notes.txt'), files('a.png', 'z.png', 'readme.md', 'c.png'));
  assert.deepEqual(pairsOf(report), ['a: a.jpg + a.png']);
  assert.deepEqual(report.imagesWithoutMasks, ['b.jpg']);
  assert.deepEqual(report.masksWithoutImages, ['c.png', 'z.png']);
  assert.deepEqual(report.duplicates, [{ stem: 'c', files: ['c.jpg', 'c.png'] }]);
  assert.deepEqual(report.ignored, ['notes.txt', 'readme.md']);
});

test('one folder with both: suffixes decide, else the JPEG is the image and the PNG its mask', () => {
  const report = pairFiles(files('1_sat.jpg', '1_mask.png', 'x.jpg', 'x.png', 'y_img.png', 'y_gt.png', 'lonely.png'), null);
  assert.deepEqual(pairsOf(report), ['1: 1_sat.jpg + 1_mask.png', 'x: x.jpg + x.png', 'y: y_img.png + y_gt.png']);
  assert.deepEqual(report.imagesWithoutMasks, ['lonely.png']);
});

test('an empty folder pairs nothing and reports nothing else', () => {
  const report = pairFiles([], []);
  assert.deepEqual(report, { pairs: [], imagesWithoutMasks: [], masksWithoutImages: [], duplicates: [], ignored: [], lossyMasks: [] });
});

test('150,000 files pair without exhausting the call stack (issue 27 F9): other files, images without masks, JPEG masks', () => {
  const many = (count: number, name: (i: number) => string): FileEntry[] => Array.from({ length: count }, (_, i) => ({ name: name(i), path: `/d/${name(i)}` }));
  const notes = many(150_000, (i) => `note-${i}.txt`);

  const twoFolders = pairFiles([...notes, ...files('a.jpg')], [...many(150_000, (i) => `m-${i}.jpg`), ...files('a.png')]);
  assert.deepEqual(pairsOf(twoFolders), ['a: a.jpg + a.png']);
  assert.equal(twoFolders.ignored.length, 150_000);
  assert.equal(twoFolders.lossyMasks.length, 150_000);

  const oneFolder = pairFiles([...notes, ...many(150_000, (i) => `x-${i}_mask.jpg`), ...files('b.jpg', 'b.png')], null);
  assert.deepEqual(pairsOf(oneFolder), ['b: b.jpg + b.png']);
  assert.equal(oneFolder.ignored.length, 150_000);
  assert.equal(oneFolder.lossyMasks.length, 150_000);

  const unpaired = pairFiles(
    many(150_000, (i) => `img-${i}.jpg`),
    [],
  );
  assert.equal(unpaired.imagesWithoutMasks.length, 150_000);
  assert.equal(unpaired.pairs.length, 0);
});
