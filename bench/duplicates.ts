/**
 * Near-duplicate speed and separation (issue: data recipes, item 5).
 * 1. Signatures of the 72 real dubai-aerial tiles (decode, 64x64 grey, DCT), ms per image.
 * 2. Separation on real data: similarity of planted copies (JPEG q60 at 80% size, rotated 90,
 *    brightness +15%) against the highest similarity between two different real tiles.
 * 3. Grouping time (all pairs, 8 orientations each) for 500, 1,000 and 2,000 images.
 * Run: node --import tsx bench/duplicates.ts
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { signatureOfFile } from '../src-main/engine/duplicates/hash-job';
import { duplicateGroups, hashBits, similarity } from '../src-shared/duplicates';
import { mulberry32 } from '../src-shared/random';
import { tempDir } from './support/temp-dir';

const dir = join('..', 'shared', 'data', 'dubai-aerial', 'images');

void (async () => {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.jpg'))
    .sort();
  const started = performance.now();
  const signatures: number[][] = [];
  for (const f of files) signatures.push(await signatureOfFile(join(dir, f)));
  const perImage = (performance.now() - started) / files.length;
  console.log(`signatures: ${files.length} dubai tiles, ${perImage.toFixed(1)} ms per image`);

  const out = tempDir('segbench-dup-bench-');
  const source = join(dir, files[0]!);
  const { width } = await sharp(source).metadata();
  const copies: [string, ReturnType<typeof sharp>][] = [
    [
      'JPEG q60 at 80% size',
      sharp(source)
        .resize(Math.round(width! * 0.8))
        .jpeg({ quality: 60 }),
    ],
    ['rotated 90 degrees', sharp(source).rotate(90).jpeg()],
    ['mirrored', sharp(source).flop().jpeg()],
    ['brightness +15%', sharp(source).modulate({ brightness: 1.15 }).jpeg()],
  ];
  for (const [name, pipeline] of copies) {
    const path = join(out, `${name.replace(/\W+/g, '_')}.jpg`);
    await pipeline.toFile(path);
    console.log(`planted copy, ${name.padEnd(22)} similarity ${similarity(signatures[0]!, await signatureOfFile(path)).toFixed(4)}`);
  }
  const pairs: number[] = [];
  for (let i = 0; i < signatures.length; i += 1) for (let j = i + 1; j < signatures.length; j += 1) pairs.push(similarity(signatures[i]!, signatures[j]!));
  pairs.sort((a, b) => b - a);
  console.log(
    `different real tiles (${pairs.length} pairs): highest ${pairs[0]!.toFixed(4)}, 10th ${pairs[9]!.toFixed(4)}, median ${pairs[pairs.length >> 1]!.toFixed(4)}; default threshold 0.97`,
  );

  const random = mulberry32(1);
  for (const n of [500, 1000, 2000]) {
    const images = Array.from({ length: n }, (_, id) => {
      const v = Float32Array.from({ length: hashBits }, () => random() - 0.5);
      const norm = Math.hypot(...v);
      return { id, signature: v.map((x) => x / norm) };
    });
    const t = performance.now();
    const groups = duplicateGroups(images, 0.97);
    console.log(`grouping ${String(n).padStart(5)} images: ${((performance.now() - t) / 1000).toFixed(2)} s (${groups.length} groups)`);
  }
})();
