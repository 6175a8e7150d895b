import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import type { JobContext } from '../../../src-main/engine/job-context';
import { runSampleJob } from '../../../src-main/engine/synthetic/sample-job';
import { findPreset, hexToValue } from '../../../src-shared/classes';
import { tempDir } from '../../helpers/services';

const context = (): JobContext & { progress: (done: number) => void; seen: number[] } => {
  const seen: number[] = [];
  return { signal: new AbortController().signal, progress: (done: number) => seen.push(done), log: () => {}, emit: () => {}, seen };
};

async function generate(seed: number, count = 12, size = 64) {
  const outDir = tempDir();
  const ctx = context();
  await runSampleJob({ outDir, count, size, seed }, ctx);
  return { outDir, ctx };
}

test('the sample dataset is the same bytes for the same seed, and differs for another', async () => {
  const [a, b, c] = await Promise.all([generate(42), generate(42), generate(43)]);
  const files = readdirSync(join(a.outDir, 'masks')).sort();
  assert.equal(files.length, 12);
  assert.deepEqual(
    readdirSync(join(a.outDir, 'images')).sort(),
    files.map((f) => f.replace('.png', '.jpg')),
  );
  for (const name of files) {
    assert.deepEqual(readFileSync(join(a.outDir, 'masks', name)), readFileSync(join(b.outDir, 'masks', name)), name);
  }
  assert.notDeepEqual(readFileSync(join(a.outDir, 'masks', files[0]!)), readFileSync(join(c.outDir, 'masks', files[0]!)));
  assert.deepEqual(a.ctx.seen, [10, 12]);
});

test('sample masks use only the six palette colours, with one class under 5% of pixels', async () => {
  const { outDir } = await generate(42, 40, 128);
  const palette = findPreset('segbench-sample')!.classes.map((c) => hexToValue(c.color));
  const counts = new Map<number, number>();
  for (const name of readdirSync(join(outDir, 'masks'))) {
    const { data } = await sharp(join(outDir, 'masks', name))
      .raw()
      .toBuffer({ resolveWithObject: true });
    for (let i = 0; i < data.length; i += 3) {
      const value = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
      counts.set(value, (counts.get(value) ?? 0) + 1);
    }
  }
  assert.deepEqual(
    [...counts.keys()].filter((v) => !palette.includes(v)),
    [],
  );
  const total = [...counts.values()].reduce((a, b) => a + b);
  const shares = palette.map((v) => (counts.get(v) ?? 0) / total);
  assert.ok(
    shares.every((s) => s > 0),
    `every class present: ${shares}`,
  );
  assert.ok(
    shares.some((s) => s < 0.05),
    `one class under 5%: ${shares}`,
  );
  assert.ok(Math.max(...shares) < 0.7, `no class swamps the rest: ${shares}`);
});
