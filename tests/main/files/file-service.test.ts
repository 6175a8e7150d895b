import assert from 'node:assert/strict';
import { copyFileSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { createMemoryClient } from '../../../src-main/ipc/memory-transport';
import { dubaiSubset } from '../../helpers/fixtures';
import { testServices } from '../../helpers/services';

const services = testServices();
const api = createMemoryClient(services);
after(() => services.close());

test('a file swapped for a link after import is not served; files inside the recorded folders still are', async () => {
  const { images, masks } = dubaiSubset(2);
  const summary = await api.invoke('datasets:import', { name: 'links', imagesDir: images, masksDir: masks });
  await services.jobs.whenIdle();
  const list = await api.invoke('datasets:images', { datasetId: summary.id });
  const [first, second] = list.items;
  assert.ok(first && second);
  assert.equal((await services.files('image', String(first.id))).kind, 'path');
  const swapped = join(images, 'tile1_image_part_001.jpg');
  rmSync(swapped);
  symlinkSync(resolve('/etc/hostname'), swapped);
  await assert.rejects(services.files('image', String(first.id)), { code: 'NOT_FOUND', message: /now leads outside the folders recorded at import/ });
  // A link that stays inside the recorded folder is fine.
  const inside = join(images, 'tile1_image_part_002.jpg');
  copyFileSync(inside, join(images, 'copy.jpg'));
  rmSync(inside);
  symlinkSync(join(images, 'copy.jpg'), inside);
  assert.equal((await services.files('image', String(second.id))).kind, 'path');
});
