import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import type { LabelErrorQueue } from '../../../src-shared/label-errors';
import { plantedErrorFolder } from '../../helpers/planted-errors';
import { tempDir } from '../../helpers/services';

const cli = 'src-main/cli/segbench.cjs';
const run = (args: string[], timeout = 60_000) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout });

test('segbench label-errors on a headless box: fold models with progress, the worst images first as JSON, and clear refusals', async () => {
  const dataDir = tempDir();
  const folder = await plantedErrorFolder(12, 32, [4]);
  const imported = run(['import', '--images', join(folder.dir, 'images'), '--masks', join(folder.dir, 'masks'), '--name', 'planted', '--data-dir', dataDir]);
  assert.equal(imported.status, 0, imported.stderr);
  const bad = run(['label-errors', '--dataset', 'planted', '--score', 'worst', '--data-dir', dataDir]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--score must be one of softmin, below-threshold, disagreement; got "worst"/);
  const found = run(['label-errors', '--dataset', 'plan', '--folds', '3', '--epochs', '8', '--size', '32', '--top', '5', '--data-dir', dataDir, '--json'], 300_000);
  assert.equal(found.status, 0, found.stderr);
  assert.match(found.stderr, /label check #1 \d+\/\d+/);
  const queue = JSON.parse(found.stdout) as LabelErrorQueue;
  assert.equal(queue.items.length, 5);
  assert.equal(queue.total, 12);
  // Short fold training here: the ranking's quality is the engine and service tests' subject; this is the command's.
  const softmins = queue.items.map((i) => i.softmin!);
  assert.deepEqual([...softmins].sort((a, b) => a - b), softmins, 'worst first');
  assert.ok(queue.items.every((i) => i.labelled === 32 * 32));
  const again = run(['label-errors', '--resume', '1', '--data-dir', dataDir]);
  assert.notEqual(again.status, 0);
  assert.match(again.stderr, /Label check #1 has finished; start a new one/);
});
