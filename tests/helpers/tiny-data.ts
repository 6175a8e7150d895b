import { join } from 'node:path';
import { findPreset, hexToValue } from '../../src-shared/classes';
import type { TrainItem } from '../../src-shared/training';
import { runSampleJob } from '../../src-main/engine/synthetic/sample-job';
import { silentContext } from './job-context';
import { tempDir } from './services';

/** A few synthetic sample tiles on disk, and the label map of the sample palette. */
export async function tinySampleFolder(count = 8, size = 48): Promise<{ dir: string; items: TrainItem[]; labelMap: [number, number][] }> {
  const dir = tempDir('segbench-tiny-');
  await runSampleJob({ outDir: dir, count, size, seed: 5 }, silentContext());
  const items = Array.from({ length: count }, (_, i) => {
    const stem = `sample_${String(i + 1).padStart(4, '0')}`;
    return { imageId: i + 1, imagePath: join(dir, 'images', `${stem}.jpg`), maskPath: join(dir, 'masks', `${stem}.png`) };
  });
  const labelMap = findPreset('segbench-sample')!.classes.map((c, label) => [hexToValue(c.color), label] as [number, number]);
  return { dir, items, labelMap };
}
