import assert from 'node:assert/strict';
import { copyFileSync, linkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { createMemoryClient } from '../../../src-main/ipc/memory-transport';
import { silentLogger } from '../../../src-main/log';
import { startServer } from '../../../src-main/server/http-server';
import { dubaiSubset } from '../../helpers/fixtures';
import { tempDir, testServices } from '../../helpers/services';

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
  await assert.rejects(services.files('image', String(first.id)), { code: 'FORBIDDEN', message: /now leads outside the folders recorded at import/ });
  // A link that stays inside the recorded folder is fine.
  const inside = join(images, 'tile1_image_part_002.jpg');
  copyFileSync(inside, join(images, 'copy.jpg'));
  rmSync(inside);
  symlinkSync(join(images, 'copy.jpg'), inside);
  assert.equal((await services.files('image', String(second.id))).kind, 'path');
});

test('a hard link in a dataset folder to a file outside it is refused with 403, over HTTP too; a hard link inside the data directory is served (issue 27 F11)', async () => {
  const { images, masks } = dubaiSubset(2);
  const summary = await api.invoke('datasets:import', { name: 'hard links', imagesDir: images, masksDir: masks });
  await services.jobs.whenIdle();
  const [first, second] = (await api.invoke('datasets:images', { datasetId: summary.id })).items;
  assert.ok(first && second);
  // A file outside every recorded folder, on the same disk, given a name in the images folder.
  const outside = join(tempDir(), 'private.jpg');
  writeFileSync(outside, 'not for the browser: private bytes');
  const linked = join(images, 'tile1_image_part_001.jpg');
  rmSync(linked);
  linkSync(outside, linked);
  assert.equal(statSync(linked).nlink, 2);
  await assert.rejects(services.files('image', String(first.id)), {
    code: 'FORBIDDEN',
    message: /^Refused: .*tile1_image_part_001\.jpg is a hard link \(one of 2 names of the same file\).*Replace it with a copy/,
  });

  const token = 'hard-link-token-0123456789';
  const server = await startServer({ services, host: '127.0.0.1', port: 0, token, staticDir: tempDir(), logger: silentLogger });
  try {
    const get = (path: string) => fetch(`http://127.0.0.1:${server.port}${path}`, { headers: { Authorization: `Bearer ${token}` } });
    const refused = await get(`/files/image/${first.id}`);
    assert.equal(refused.status, 403);
    const body = await refused.text();
    assert.match(body, /is a hard link/);
    assert.doesNotMatch(body, /private bytes/);
    // The other image, one name only, is served.
    const served = await get(`/files/image/${second.id}`);
    assert.equal(served.status, 200);
    assert.equal(Buffer.from(await served.arrayBuffer()).length, statSync(join(images, 'tile1_image_part_002.jpg')).size);
    // Inside the data directory a second name is harmless: a thumbnail with two names is served.
    const thumb = join(services.dataDir, 'cache', 'thumbs', summary.id, `${second.id}.jpg`);
    linkSync(thumb, `${thumb}.second-name`);
    assert.equal((await get(`/files/thumb/${second.id}`)).status, 200);
  } finally {
    await server.close();
  }
});
