import assert from 'node:assert/strict';
import { copyFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { createMemoryClient } from '../../../src-main/ipc/memory-transport';
import type { AppServices } from '../../../src-main/services/app-services';
import { dubaiSubset } from '../../helpers/fixtures';
import { testServices } from '../../helpers/services';

let services: AppServices | undefined;
after(() => services?.close());

test('near-duplicates on real tiles: a re-encoded copy and a rotated copy are grouped with their original; the leakage report and a group-aware split follow', async () => {
  services = testServices();
  const api = createMemoryClient(services);
  // Eight real dubai tiles (six neighbours of scene 1, two of scene 2; no pair of them reaches 0.5)
  // plus two planted near-duplicates of tile 1: re-encoded smaller at JPEG quality 60, and rotated
  // by 90 degrees (masks copied and rotated alike).
  const folders = dubaiSubset(8, [...[1, 2, 3, 4, 5, 6].map((i) => `tile1_image_part_00${i}`), 'tile2_image_part_001', 'tile2_image_part_002']);
  const original = join(folders.images, 'tile1_image_part_001.jpg');
  const originalMask = join(folders.masks, 'tile1_image_part_001.png');
  const { width } = await sharp(original).metadata();
  await sharp(original)
    .resize(Math.round(width! * 0.8))
    .jpeg({ quality: 60 })
    .toFile(join(folders.images, 'copy_small.jpg'));
  await sharp(originalMask)
    .resize(Math.round(width! * 0.8), undefined, { kernel: 'nearest' })
    .toFile(join(folders.masks, 'copy_small.png'));
  await sharp(original).rotate(90).toFile(join(folders.images, 'copy_rotated.jpg'));
  await sharp(originalMask).rotate(90).toFile(join(folders.masks, 'copy_rotated.png'));
  const summary = await api.invoke('datasets:import', { name: 'dupes', imagesDir: folders.images, masksDir: folders.masks });
  await services.jobs.whenIdle();

  const before = await api.invoke('datasets:duplicates', { datasetId: summary.id });
  assert.deepEqual([before.images, before.hashed, before.groups.length], [10, 0, 0], 'nothing hashed yet');
  const job = await api.invoke('datasets:findDuplicates', { datasetId: summary.id });
  assert.equal(job?.kind, 'hash');
  await services.jobs.whenIdle();
  assert.equal((await api.invoke('jobs:get', { jobId: job!.id })).status, 'finished');
  assert.equal(await api.invoke('datasets:findDuplicates', { datasetId: summary.id }), null, 'all signatures current: nothing to do');

  const report = await api.invoke('datasets:duplicates', { datasetId: summary.id });
  assert.equal(report.threshold, 0.97);
  assert.equal(report.hashed, 10);
  assert.deepEqual(
    report.groups.map((g) => g.members.map((m) => m.stem).sort()),
    [['copy_rotated', 'copy_small', 'tile1_image_part_001']],
  );
  assert.ok(report.groups[0]!.minSimilarity >= 0.97 && report.groups[0]!.maxSimilarity <= 1 + 1e-6);
  // Neighbouring real tiles are not duplicates even at 0.9.
  const loose = await api.invoke('datasets:duplicates', { datasetId: summary.id, threshold: 0.9 });
  assert.deepEqual(
    loose.groups.map((g) => g.ids.length),
    [3],
  );
  await assert.rejects(api.invoke('datasets:duplicates', { datasetId: summary.id, threshold: 0.5 }), {
    code: 'VALIDATION',
    message: /threshold: a similarity between 0\.8 and 1 \(default 0\.97\)/,
  });

  // Leakage of a split that separates the group, then a split that keeps it together.
  for (let seed = 0; seed < 50; seed += 1) {
    await api.invoke('datasets:split', { datasetId: summary.id, seed, train: 0.6, val: 0.4, test: 0 });
    const r = await api.invoke('datasets:duplicates', { datasetId: summary.id });
    if (r.leakage.groupsAcrossSplits === 1) {
      const splits = r.groups[0]!.members.map((m) => m.split);
      assert.equal(r.leakage.heldOutWithTrainTwin, splits.includes('train') ? splits.filter((s) => s === 'val').length : 0);
      break;
    }
    assert.ok(seed < 49, 'some random split separates the group');
  }
  for (const seed of [1, 2, 3, 4, 5]) {
    await api.invoke('datasets:split', { datasetId: summary.id, seed, train: 0.6, val: 0.4, test: 0, duplicateThreshold: 0.97 });
    const kept = await api.invoke('datasets:duplicates', { datasetId: summary.id });
    assert.equal(kept.leakage.groupsAcrossSplits, 0, `seed ${seed}`);
    assert.equal(new Set(kept.groups[0]!.members.map((m) => m.split)).size, 1);
  }
  assert.equal((await api.invoke('datasets:get', { datasetId: summary.id })).splitConfig?.duplicateThreshold, 0.97);

  // A changed file loses its signature until found again; a split by duplicates is refused meanwhile.
  utimesSync(join(folders.images, 'tile1_image_part_002.jpg'), new Date(), new Date(Date.now() + 5000));
  copyFileSync(join(folders.images, 'tile1_image_part_002.jpg'), join(folders.images, 'tile1_image_part_002.jpg'));
  await api.invoke('datasets:reindex', { datasetId: summary.id });
  await services.jobs.whenIdle();
  assert.equal((await api.invoke('datasets:duplicates', { datasetId: summary.id })).hashed, 9);
  await assert.rejects(api.invoke('datasets:split', { datasetId: summary.id, seed: 1, train: 0.6, val: 0.4, test: 0, duplicateThreshold: 0.97 }), {
    code: 'VALIDATION',
    message: /1 of 10 images have no near-duplicate signature yet; run "Find near-duplicates"/,
  });
  const again = await api.invoke('datasets:findDuplicates', { datasetId: summary.id });
  assert.equal((again?.params as { items: unknown[] }).items.length, 1, 'only the changed image is hashed again');
  await services.jobs.whenIdle();
});
