import assert from 'node:assert/strict';
import { linkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { protocolFileHandler } from '../../../src-main/app/protocol-files';
import { createMemoryClient } from '../../../src-main/ipc/memory-transport';
import { dubaiSubset } from '../../helpers/fixtures';
import { tempDir, testServices } from '../../helpers/services';

const services = testServices();
const api = createMemoryClient(services);
after(() => services.close());

test('segbench://files serves images, masks and thumbnails through the resolver, and answers 404 (missing) or 403 (refused) with the reason', async () => {
  const { images, masks } = dubaiSubset(2);
  const summary = await api.invoke('datasets:import', { name: 'protocol', imagesDir: images, masksDir: masks });
  await services.jobs.whenIdle();
  const [first, second] = (await api.invoke('datasets:images', { datasetId: summary.id })).items;
  const handle = protocolFileHandler(services.files);

  const image = await handle(new Request(`segbench://files/image/${first!.id}`));
  assert.equal(image.status, 200);
  assert.equal(image.headers.get('content-type'), 'image/jpeg');
  assert.deepEqual([...new Uint8Array(await image.arrayBuffer()).slice(0, 2)], [0xff, 0xd8], 'a JPEG');
  const thumb = await handle(new Request(`segbench://files/thumb-mask/${first!.id}`));
  assert.equal(thumb.status, 200);
  assert.equal(thumb.headers.get('content-type'), 'image/png');

  const unknown = await handle(new Request('segbench://files/secrets/1'));
  assert.equal(unknown.status, 404);
  assert.match(await unknown.text(), /Unknown file kind "secrets"; valid kinds: thumb, thumb-mask, image, mask, original-mask, prediction/);
  const missing = await handle(new Request('segbench://files/image/999999'));
  assert.equal(missing.status, 404);

  // A file swapped for a link that leaves the recorded folders is refused here as in serve mode.
  const swapped = join(images, 'tile1_image_part_002.jpg');
  rmSync(swapped);
  symlinkSync('/etc/hostname', swapped);
  const refused = await handle(new Request(`segbench://files/image/${second!.id}`));
  assert.equal(refused.status, 403);
  assert.match(await refused.text(), /leads outside the folders recorded at import/);
  // So is a hard link to a file outside them (issue 27 F11).
  const outside = join(tempDir(), 'outside.jpg');
  writeFileSync(outside, 'outside bytes');
  const linked = join(images, 'tile1_image_part_001.jpg');
  rmSync(linked);
  linkSync(outside, linked);
  const hardLink = await handle(new Request(`segbench://files/image/${first!.id}`));
  assert.equal(hardLink.status, 403);
  assert.match(await hardLink.text(), /is a hard link/);
});
