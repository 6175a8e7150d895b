import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { runDeriveJob } from '../../../src-main/engine/derive/derive-job';
import { ignoreLabel } from '../../../src-shared/class-weights';
import { writeIndexMask } from '../../helpers/fixtures';
import { silentContext } from '../../helpers/job-context';
import { tempDir } from '../../helpers/services';

async function grey(path: string): Promise<number[]> {
  return [...(await sharp(path).extractChannel(0).raw().toBuffer())];
}

test('derive: a remapped mask holds the mapped labels, values without a mapping become ignore; an unreadable source is skipped', async () => {
  const dir = tempDir();
  await writeIndexMask(join(dir, 'a.png'), 3, 2, [1, 2, 3, 1, 2, 3]);
  const result = await runDeriveJob(
    {
      datasetId: 'd',
      items: [
        {
          imageId: 1,
          out: join(dir, 'out', 'a.png'),
          kind: 'remap',
          mask: join(dir, 'a.png'),
          labelMap: [
            [1, 0],
            [2, 4],
          ],
        },
        { imageId: 2, out: join(dir, 'out', 'b.png'), kind: 'remap', mask: join(dir, 'missing.png'), labelMap: [[1, 0]] },
      ],
    },
    silentContext(),
  );
  assert.equal(result.written, 1);
  assert.deepEqual(
    result.skipped.map((s) => s.imageId),
    [2],
  );
  assert.deepEqual(await grey(join(dir, 'out', 'a.png')), [0, 4, ignoreLabel, 0, 4, ignoreLabel]);
});

test('derive: pseudo-labels keep a prediction only where its confidence level reaches the threshold', async () => {
  const dir = tempDir();
  await writeIndexMask(join(dir, 'labels.png'), 4, 1, [0, 1, 2, 3]);
  await writeIndexMask(join(dir, 'confidence.png'), 4, 1, [95, 89, 90, 100]);
  await runDeriveJob(
    {
      datasetId: 'd',
      items: [
        { imageId: 1, out: join(dir, 'kept.png'), kind: 'confidence', labels: join(dir, 'labels.png'), confidence: join(dir, 'confidence.png'), minLevel: 90 },
      ],
    },
    silentContext(),
  );
  assert.deepEqual(await grey(join(dir, 'kept.png')), [0, ignoreLabel, 2, 3]);
});
