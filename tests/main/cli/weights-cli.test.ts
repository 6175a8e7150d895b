import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { weightsCommand } from '../../../src-main/cli/weights';
import { refusedUrl, startFakeHub } from '../../helpers/fake-hub';
import type { FakeHub } from '../../helpers/fake-hub';
import { tempDir } from '../../helpers/services';
import { timmResnetFile } from '../../helpers/timm-weights';

/** Runs `segbench weights ...` in this process, with its stdout and stderr captured. */
async function weights(args: string[], env: Record<string, string> = {}): Promise<{ out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on('data', (c: Buffer) => chunks.out.push(c));
  err.on('data', (c: Buffer) => chunks.err.push(c));
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    await weightsCommand(args, { out, err, signal: new AbortController().signal });
  } finally {
    for (const key of Object.keys(env)) if (saved[key] === undefined) delete process.env[key];
    Object.assign(process.env, saved);
  }
  return { out: Buffer.concat(chunks.out).toString(), err: Buffer.concat(chunks.err).toString() };
}

const resnet18 = timmResnetFile('resnet18', { dtype: 'F16' });
const sha = createHash('sha256').update(resnet18).digest('hex');
let hub: FakeHub;
before(async () => {
  hub = await startFakeHub([{ repo: 'timm/resnet18.a1_in1k', bytes: resnet18 }]);
});
after(() => hub.close());

test('weights pull, list and import through the CLI, the hub at SEGBENCH_HUB_URL', async () => {
  const dataDir = tempDir();
  const pulled = await weights(['pull', 'resnet18', '--data-dir', dataDir], { SEGBENCH_HUB_URL: hub.url });
  const path = join(dataDir, 'weights', 'resnet18', `${sha}.safetensors`);
  assert.equal(
    pulled.out,
    `downloaded, size and sha256 checked:\nresnet18.a1_in1k  timm/resnet18.a1_in1k  ${(resnet18.byteLength / 1e6).toFixed(1)} MB\n  sha256 ${sha}\n  ${path}\n` +
      `  pulled from ${hub.url}/timm/resnet18.a1_in1k/resolve/main/model.safetensors, ${pulled.out.match(/\d{4}-\d\d-\d\dT[\d:.]+Z/)?.[0]}\n`,
  );
  // Not a TTY: a line at each tenth on stderr, the last one complete.
  assert.match(pulled.err, /^pulling resnet18 [\d.]+ MB of 23\.[0-9] MB/);
  assert.match(pulled.err, /pulling resnet18 23\.[0-9] MB of 23\.[0-9] MB(, [\d.]+ MB\/s)?\n$/);

  const listed = await weights(['list', '--data-dir', dataDir, '--json']);
  const [entry] = JSON.parse(listed.out) as { name: string; repo: string; size: number; sha256: string; path: string }[];
  assert.deepEqual(
    [entry?.name, entry?.repo, entry?.size, entry?.sha256, entry?.path],
    ['resnet18.a1_in1k', 'timm/resnet18.a1_in1k', resnet18.byteLength, sha, path],
  );

  const file = join(tempDir(), 'model.safetensors');
  writeFileSync(file, timmResnetFile('resnet34', { dtype: 'F16' }));
  const imported = await weights(['import', file, '--name', 'resnet34.tv_in1k', '--data-dir', dataDir]);
  assert.match(imported.out, /^imported, header and tensors checked:\nresnet34\.tv_in1k {2}timm\/resnet34\.tv_in1k/);
  assert.match(
    (await weights(['list', '--data-dir', dataDir])).out,
    /^resnet18\.a1_in1k .*\n(.*\n){3}resnet34\.tv_in1k {2}timm\/resnet34\.tv_in1k .*\n {2}sha256 [0-9a-f]{64}\n {2}.*resnet34\/[0-9a-f]{64}\.safetensors\n {2}imported from .*model\.safetensors as timm\/resnet34\.tv_in1k, /,
  );
});

test('offline, the CLI says which URL to fetch and the import command, with the data directory', async () => {
  const dataDir = tempDir();
  const offline = await refusedUrl();
  await assert.rejects(weights(['pull', 'resnet50.tv_in1k', '--data-dir', dataDir], { SEGBENCH_HUB_URL: offline }), (error: Error) => {
    assert.match(error.message, new RegExp(`^Cannot reach ${offline} \\(connection refused, ECONNREFUSED\\)\\.\\n\\n`));
    assert.match(error.message, new RegExp(`\\n  ${offline}/timm/resnet50\\.tv_in1k/resolve/main/model\\.safetensors\\n\\(about 103 MB\\)`));
    assert.match(error.message, new RegExp(`\\n  segbench weights import model\\.safetensors --name resnet50\\.tv_in1k --data-dir "${dataDir}"\\n`));
    return true;
  });
  assert.match(
    (await weights(['list', '--data-dir', dataDir])).out,
    /^No weights in .*weights yet\. segbench weights pull NAME downloads them \(resnet18, resnet34, resnet50, /,
  );
});

test('wrong use names what is valid', async () => {
  await assert.rejects(weights(['fetch']), /Unknown weights action "fetch"\. Valid: pull NAME, import FILE \[--name NAME\], list\./);
  await assert.rejects(
    weights(['pull']),
    /segbench weights pull takes one name: resnet18, resnet34, resnet50, mobilenet_v2, efficientnet-b0, efficientnet-b1, efficientnet-b2, efficientnet-b3, resnet18\.a1_in1k/,
  );
  await assert.rejects(weights(['import']), /segbench weights import takes one file/);
});
