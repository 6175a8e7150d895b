import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runExportJob } from '../../../src-main/engine/export/export-job';
import { silentContext } from '../../helpers/job-context';
import { tempDir } from '../../helpers/services';

test('export copies each file and writes the manifest; it never overwrites a file already there', async () => {
  const source = tempDir();
  const target = join(tempDir(), 'export');
  writeFileSync(join(source, 'a.jpg'), 'image a');
  writeFileSync(join(source, 'a.png'), 'mask a');
  const params = {
    datasetId: 'd',
    dir: target,
    files: [
      { from: join(source, 'a.jpg'), to: join(target, 'images', 'a.jpg') },
      { from: join(source, 'a.png'), to: join(target, 'masks', 'a.png') },
    ],
    manifestPath: join(target, 'segbench-export.json'),
    manifest: '{"corrected":[]}',
  };
  assert.deepEqual(await runExportJob(params, silentContext()), { copied: 2, dir: target });
  assert.equal(readFileSync(join(target, 'masks', 'a.png'), 'utf8'), 'mask a');
  assert.equal(readFileSync(params.manifestPath, 'utf8'), '{"corrected":[]}');
  writeFileSync(join(source, 'a.png'), 'changed');
  await assert.rejects(runExportJob(params, silentContext()), { code: 'EEXIST' });
  assert.equal(readFileSync(join(target, 'masks', 'a.png'), 'utf8'), 'mask a');
});
