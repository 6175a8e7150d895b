/**
 * Hard-sample ranking speed (issue: inspect): 2,000 validation images with per-class counts for 10
 * classes in the store; times `samples:hardest` through the API dispatcher, by image mIoU and by one
 * class, as the Inspect page calls it. Goal: within a second. Run: node --import tsx bench/hard-samples.ts
 */
import { childProcessLauncher } from '../src-main/jobs/child-engine';
import { silentLogger } from '../src-main/log';
import { createAppServices } from '../src-main/services/app-services';
import { mulberry32 } from '../src-shared/random';
import { tempDir } from './support/temp-dir';

const images = 2000;
const classes = 10;
const services = createAppServices({
  dataDir: tempDir('segbench-hard-bench-'),
  mode: 'cli',
  launcher: childProcessLauncher({ entry: 'unused' }),
  logger: silentLogger,
});
const db = services.db;
const random = mulberry32(1);
db.transaction(() => {
  db.prepare(
    "INSERT INTO datasets (id, name, images_dir, masks_dir, classes, state, created_at) VALUES ('d', 'bench', '/i', '/m', '[]', 'ready', '2026-01-01')",
  ).run();
  db.prepare(
    "INSERT INTO runs (id, name, dataset_id, model, config, status, created_at, class_names, epochs_done, best_epoch) VALUES ('r', 'bench', 'd', 'unet', '{\"epochs\":1}', 'finished', '2026-01-01', ?, 1, 1)",
  ).run(JSON.stringify(Array.from({ length: classes }, (_, c) => `class ${c}`)));
  const image = db.prepare("INSERT INTO images (id, dataset_id, stem, image_path, mask_path, split, state) VALUES (?, 'd', ?, 'x', 'y', 'val', 'indexed')");
  const counts = db.prepare("INSERT INTO run_image_counts (run_id, epoch, image_id, class_index, tp, fp, fn) VALUES ('r', 1, ?, ?, ?, ?, ?)");
  for (let i = 1; i <= images; i += 1) {
    image.run(i, `tile_${i}`);
    for (let c = 0; c < classes; c += 1)
      if (random() < 0.7) counts.run(i, c, Math.floor(random() * 5000), Math.floor(random() * 2000), Math.floor(random() * 2000));
  }
})();

async function time(label: string, payload: Record<string, unknown>): Promise<void> {
  await services.dispatch('samples:hardest', payload);
  const runs: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const started = performance.now();
    const reply = await services.dispatch('samples:hardest', payload);
    runs.push(performance.now() - started);
    if (!reply.ok) throw new Error(reply.error.message);
  }
  runs.sort((a, b) => a - b);
  console.log(`${label}: median ${runs[2]!.toFixed(1)} ms, worst ${runs[4]!.toFixed(1)} ms for ${images} images x ${classes} classes (goal: within 1,000 ms)`);
}

void (async () => {
  await time('rank by image mIoU', { runId: 'r' });
  await time('rank by one class IoU', { runId: 'r', classIndex: 3 });
  await services.close();
})();
