import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import type { LabelErrorQueue } from '../../../src-shared/label-errors';
import { plantedErrorFolder } from '../../helpers/planted-errors';
import { tempDir } from '../../helpers/services';

const cli = 'src-main/cli/segbench.cjs';
const run = (args: string[], timeout = 60_000) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout });

test('segbench label-errors on a headless box: the plan, fold models with progress, the worst images first as JSON with the strength gate, and clear refusals', async () => {
  const dataDir = tempDir();
  const folder = await plantedErrorFolder(12, 32, [4]);
  const imported = run(['import', '--images', join(folder.dir, 'images'), '--masks', join(folder.dir, 'masks'), '--name', 'planted', '--data-dir', dataDir]);
  assert.equal(imported.status, 0, imported.stderr);
  const bad = run(['label-errors', '--dataset', 'planted', '--score', 'worst', '--data-dir', dataDir]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--score must be one of softmin, below-threshold, disagreement; got "worst"/);
  // One pass over each pixel (2 steps per fold model): deliberately too weak to judge.
  const found = run(
    ['label-errors', '--dataset', 'plan', '--folds', '3', '--epochs', '1', '--size', '32', '--top', '5', '--data-dir', dataDir, '--json'],
    300_000,
  );
  assert.equal(found.status, 0, found.stderr);
  assert.match(found.stderr, /^Label check #1: 3 folds x 2 steps at 32 px: each pixel about once \(6 training steps\), then 12 images predicted once each/m);
  assert.match(found.stderr, /label check #1 \d+\/\d+/);
  // Each fold's figures are logged as it ends, on stderr with the progress: stdout is the JSON alone.
  assert.match(found.stderr, /Fold 1: out-of-fold mIoU 0\.\d+ on 4 image\(s\) it never trained on/);
  const queue = JSON.parse(found.stdout) as LabelErrorQueue & {
    strengthNotes: { overall: string | null; classes: { name: string; text: string }[]; advice: string };
  };
  assert.equal(queue.check.plan!.stepsPerFold, 2);
  assert.equal(queue.check.strength!.weak, true, JSON.stringify(queue.check.strength));
  assert.ok(queue.check.strength!.miou! < 0.25);
  assert.match(queue.strengthNotes.overall!, /^Too weak to judge: the fold models' out-of-fold mIoU is 0\.\d\d, below 0\.25/);
  assert.ok(
    queue.strengthNotes.classes.some((c) => c.name === 'Background' && /^Background: too weak to judge/.test(c.text)),
    JSON.stringify(queue.strengthNotes),
  );
  assert.match(queue.strengthNotes.advice, /more epochs per fold, a larger input size, pretrained encoder weights/);
  assert.equal(queue.items.length, 5);
  assert.equal(queue.total, 12);
  // Short fold training here: the ranking's quality is the engine and service tests' subject; this is the command's.
  const softmins = queue.items.map((i) => i.softmin!);
  assert.deepEqual(
    [...softmins].sort((a, b) => a - b),
    softmins,
    'worst first',
  );
  assert.ok(queue.items.every((i) => i.labelled === 32 * 32));
  // The human output says the same in words, before the list.
  const text = run(['label-errors', '--dataset', 'planted', '--folds', '3', '--epochs', '1', '--size', '32', '--top', '3', '--data-dir', dataDir], 300_000);
  assert.equal(text.status, 0, text.stderr);
  assert.match(
    text.stdout,
    /^Fold models: out-of-fold mIoU 0\.\d\d \(folds [\d., ]+\)\. Per class, self-confidence \/ on other classes' pixels \/ pixel share: Background 0\.\d\d \/ 0\.\d\d \/ 0\.8\d, Building /m,
  );
  assert.match(text.stdout, /^WARNING Too weak to judge: /m);
  assert.match(text.stdout, /^WARNING Background: too weak to judge\./m);
  assert.match(text.stdout, /^Train stronger fold models: more epochs per fold/m);
  assert.ok(text.stdout.indexOf('WARNING') < text.stdout.indexOf('Worst 3 of 12'));
  const again = run(['label-errors', '--resume', '1', '--data-dir', dataDir]);
  assert.notEqual(again.status, 0);
  assert.match(again.stderr, /Label check #1 has finished; start a new one/);
});
