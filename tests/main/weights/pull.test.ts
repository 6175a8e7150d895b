import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ApiError } from '../../../src-shared/errors';
import { DownloadStopped } from '../../../src-main/weights/download';
import { pullWeights } from '../../../src-main/weights/pull';
import type { TransferProgress } from '../../../src-main/weights/transfer-clock';
import { WeightsCache } from '../../../src-main/weights/weights-cache';
import { refusedUrl, startFakeHub } from '../../helpers/fake-hub';
import type { FakeHub } from '../../helpers/fake-hub';
import { tempDir } from '../../helpers/services';
import { timmResnetFile } from '../../helpers/timm-weights';

// Files shaped as timm's: resnet18's state_dict with its classifier, F32 as timm publishes it
// (47 MB) for the plain download, F16 (24 MB) where the test is about the transfer.
const resnet18 = timmResnetFile('resnet18');
const resnet18Half = timmResnetFile('resnet18', { dtype: 'F16' });
const resnet34Half = timmResnetFile('resnet34', { dtype: 'F16' });
const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const fast = { retries: 3, retryDelayMs: 10, idleTimeoutMs: 5_000 };

const hubs: FakeHub[] = [];
after(async () => {
  await Promise.all(hubs.map((hub) => hub.close()));
});

async function hubWith(files: { repo: string; bytes: Uint8Array }[]): Promise<FakeHub> {
  const hub = await startFakeHub(files);
  hubs.push(hub);
  return hub;
}

/** What the weights folder holds, relative paths, `.partial/` included. */
function cacheFiles(cache: WeightsCache): string[] {
  if (!existsSync(cache.root)) return [];
  return readdirSync(cache.root, { recursive: true, encoding: 'utf8' })
    .filter((name) => statSync(join(cache.root, name)).isFile())
    .sort();
}

const cdnGets = (hub: FakeHub) => hub.requests.filter((r) => r.server === 'cdn');

test('a pull follows the hub: HEAD without redirects, sha256 and size from the 302, bytes from the CDN, checked, then cached', async () => {
  const hub = await hubWith([{ repo: 'timm/resnet18.a1_in1k', bytes: resnet18 }]);
  const cache = new WeightsCache(tempDir());
  const progress: TransferProgress[] = [];
  const result = await pullWeights(cache, 'resnet18', { hubUrl: hub.url, onProgress: (p) => progress.push(p), transfer: fast });

  assert.equal(result.alreadyCached, false);
  assert.equal(result.resumedFrom, 0);
  assert.equal(result.weights.sha256, sha(resnet18));
  assert.equal(result.weights.size, resnet18.byteLength);
  assert.equal(result.weights.name, 'resnet18.a1_in1k');
  assert.equal(result.weights.repo, 'timm/resnet18.a1_in1k');
  assert.equal(result.weights.revision, 'c9a1d0f2b3e4a5968778695a4b3c2d1e0f9a8b7c');
  assert.equal(result.weights.from, `${hub.url}/timm/resnet18.a1_in1k/resolve/main/model.safetensors`);
  assert.equal(result.weights.path, join(cache.root, 'resnet18', `${sha(resnet18)}.safetensors`));
  assert.ok(Buffer.from(readFileSync(result.weights.path)).equals(Buffer.from(resnet18)));
  assert.deepEqual(cacheFiles(cache), [`resnet18/${sha(resnet18)}.json`, `resnet18/${sha(resnet18)}.safetensors`], 'no .part or lock left');

  assert.deepEqual(
    hub.requests.map((r) => `${r.server} ${r.method} ${r.status} ${r.url.split('?')[0]} ${r.range ?? ''}`.trim()),
    ['hub HEAD 302 /timm/resnet18.a1_in1k/resolve/main/model.safetensors', `cdn GET 200 /xet-bridge-us/6581b3e2a4c9d7f0e1b2c3d4/${sha(resnet18)}`],
    'the hub is asked once, the API not at all, the CDN once without a range',
  );
  const last = progress.at(-1)!;
  assert.equal(last.done, resnet18.byteLength);
  assert.equal(last.total, resnet18.byteLength);
  assert.equal(last.etaSeconds, 0);
  assert.ok(
    progress.every((p, i) => i === 0 || p.done >= progress[i - 1]!.done),
    'progress only grows',
  );

  const listed = await cache.list();
  assert.deepEqual(
    listed.weights.map((w) => w.name),
    ['resnet18.a1_in1k'],
  );
  assert.deepEqual(listed.unreadable, []);

  // Again: the hub is asked (the file may have changed), nothing is downloaded.
  const again = await pullWeights(cache, 'resnet18.a1_in1k', { hubUrl: hub.url, transfer: fast });
  assert.equal(again.alreadyCached, true);
  assert.equal(cdnGets(hub).length, 1);
});

test('a body cut mid-way is resumed with Range from the byte that arrived last, and checked whole', async () => {
  const hub = await hubWith([{ repo: 'timm/resnet18.tv_in1k', bytes: resnet18Half }]);
  hub.faults.cutAfter = { bytes: 5_000_000, times: 2 };
  const cache = new WeightsCache(tempDir());
  const result = await pullWeights(cache, 'resnet18.tv_in1k', { hubUrl: hub.url, transfer: fast });
  assert.equal(result.weights.sha256, sha(resnet18Half));
  assert.ok(Buffer.from(readFileSync(result.weights.path)).equals(Buffer.from(resnet18Half)));

  const gets = cdnGets(hub);
  assert.equal(gets.length, 3, 'two cut bodies, then the rest');
  assert.equal(gets[0]!.range, null);
  const starts = gets.slice(1).map((g) => Number(/^bytes=(\d+)-$/.exec(g.range ?? '')?.[1]));
  assert.ok(starts[0]! > 0 && starts[0]! <= 5_000_000, `first resume from ${starts[0]}`);
  assert.ok(starts[1]! > starts[0]! && starts[1]! <= 10_000_000, `second resume from ${starts[1]}`);
  assert.deepEqual(
    gets.slice(1).map((g) => g.status),
    [206, 206],
  );
  // Before each retry the hub is asked again: CDN URLs are signed and expire.
  assert.equal(hub.requests.filter((r) => r.server === 'hub' && r.method === 'HEAD').length, 3);
  assert.deepEqual(cacheFiles(cache), [`resnet18/${sha(resnet18Half)}.json`, `resnet18/${sha(resnet18Half)}.safetensors`]);
});

test('a stopped pull keeps its part, and the next pull resumes it with Range', async () => {
  const hub = await hubWith([{ repo: 'timm/resnet34.a1_in1k', bytes: resnet34Half }]);
  const cache = new WeightsCache(tempDir());
  const controller = new AbortController();
  await assert.rejects(
    pullWeights(cache, 'resnet34', {
      hubUrl: hub.url,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done > 3_000_000) controller.abort(new Error('stop'));
      },
      transfer: fast,
    }),
    (error: unknown) => error instanceof DownloadStopped && error.kept > 3_000_000 && error.kept < resnet34Half.byteLength,
  );
  const part = cache.partPath(sha(resnet34Half));
  const kept = readFileSync(part);
  assert.ok(kept.length > 3_000_000);
  assert.ok(kept.equals(Buffer.from(resnet34Half.subarray(0, kept.length))), 'the part is a prefix of the file');
  assert.deepEqual(cacheFiles(cache), [`.partial/${sha(resnet34Half)}.part`], 'the lock is released, nothing cached');

  const result = await pullWeights(cache, 'resnet34', { hubUrl: hub.url, transfer: fast });
  assert.equal(result.resumedFrom, kept.length);
  assert.equal(cdnGets(hub).at(-1)!.range, `bytes=${kept.length}-`);
  assert.equal(cdnGets(hub).at(-1)!.status, 206);
  assert.ok(Buffer.from(readFileSync(result.weights.path)).equals(Buffer.from(resnet34Half)));
  assert.equal(existsSync(part), false);
});

test('a CDN that ignores Range (200 to a range request) restarts the file from zero, cleanly', async () => {
  const hub = await hubWith([{ repo: 'timm/resnet18.a1_in1k', bytes: resnet18Half }]);
  hub.faults.ignoreRange = true;
  const cache = new WeightsCache(tempDir());
  const part = cache.partPath(sha(resnet18Half));
  mkdirSync(cache.partialDir, { recursive: true });
  // A part of the right length but wrong bytes: only a restart from zero can give the right file.
  writeFileSync(part, Buffer.alloc(2_000_000, 0xab));
  const progress: TransferProgress[] = [];
  const result = await pullWeights(cache, 'resnet18', { hubUrl: hub.url, onProgress: (p) => progress.push(p), transfer: fast });
  assert.equal(result.resumedFrom, 2_000_000);
  assert.deepEqual(
    cdnGets(hub).map((g) => [g.range, g.status]),
    [['bytes=2000000-', 200]],
  );
  assert.ok(Buffer.from(readFileSync(result.weights.path)).equals(Buffer.from(resnet18Half)));
  assert.ok(progress[0]!.done < 2_000_000, 'the bar starts again from zero, not from the discarded part');
});

test("bytes whose sha256 is not the hub's are refused: nothing is cached, no part is kept, the message says what to do", async () => {
  const hub = await hubWith([{ repo: 'timm/resnet18.a1_in1k', bytes: resnet18Half }]);
  const tampered = Buffer.from(resnet18Half);
  tampered.writeUInt8(tampered.readUInt8(tampered.length - 100) ^ 0xff, tampered.length - 100);
  hub.faults.served = new Map([[sha(resnet18Half), tampered]]);
  const cache = new WeightsCache(tempDir());
  await assert.rejects(pullWeights(cache, 'resnet18', { hubUrl: hub.url, transfer: fast }), (error: unknown) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.code, 'VALIDATION');
    assert.match(error.message, new RegExp(`sha256 is ${sha(tampered)}, but the hub says ${sha(resnet18Half)}`));
    assert.match(error.message, /nothing was cached/);
    assert.match(error.message, new RegExp(`download\\n  ${hub.url}/timm/resnet18.a1_in1k/resolve/main/model.safetensors\\n`));
    return true;
  });
  assert.deepEqual(cacheFiles(cache), []);
  assert.deepEqual((await cache.list()).weights, []);
});

test('offline (connection refused): the error names the URL to fetch elsewhere and the import command', async () => {
  const offline = await refusedUrl();
  const dataDir = tempDir();
  const cache = new WeightsCache(dataDir);
  await assert.rejects(pullWeights(cache, 'resnet34', { hubUrl: offline, commandSuffix: ' --data-dir /data' }), (error: unknown) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.code, 'NETWORK');
    const port = new URL(offline).port;
    assert.equal(
      error.message,
      `Cannot reach http://127.0.0.1:${port} (connection refused, ECONNREFUSED).\n\n` +
        'To use these weights without the hub from here: on a machine with internet access, download\n' +
        `  http://127.0.0.1:${port}/timm/resnet34.a1_in1k/resolve/main/model.safetensors\n` +
        '(about 87 MB), bring the file to this machine, and run\n' +
        '  segbench weights import model.safetensors --name resnet34.a1_in1k --data-dir /data\n' +
        `It is checked and copied into ${join(dataDir, 'weights')}.`,
    );
    return true;
  });
  assert.deepEqual(cacheFiles(cache), []);
});

test("offline with the weights cached: the cached file is used, and the hub's problem is said", async () => {
  const hub = await hubWith([{ repo: 'timm/resnet18.a1_in1k', bytes: resnet18Half }]);
  const cache = new WeightsCache(tempDir());
  const pulled = await pullWeights(cache, 'resnet18', { hubUrl: hub.url, transfer: fast });
  const offline = await pullWeights(cache, 'resnet18', { hubUrl: await refusedUrl() });
  assert.equal(offline.alreadyCached, true);
  assert.equal(offline.weights.path, pulled.weights.path);
  assert.match(offline.hubProblem ?? '', /connection refused/);
});

test('a hub that leaves the linked headers out is asked through its API (?blobs=true) for the sha256 and size', async () => {
  const hub = await hubWith([{ repo: 'timm/resnet18.a1_in1k', bytes: resnet18Half }]);
  hub.faults.noLinkedHeaders = true;
  const cache = new WeightsCache(tempDir());
  const result = await pullWeights(cache, 'resnet18', { hubUrl: hub.url, transfer: fast });
  assert.equal(result.weights.sha256, sha(resnet18Half));
  assert.ok(hub.requests.some((r) => r.server === 'hub' && r.url === '/api/models/timm/resnet18.a1_in1k?blobs=true'));
});

test("a repository the hub does not have is a 404 with the hub's error code, and the manual route", async () => {
  const hub = await hubWith([{ repo: 'timm/resnet18.a1_in1k', bytes: resnet18Half }]);
  const cache = new WeightsCache(tempDir());
  await assert.rejects(pullWeights(cache, 'resnet50', { hubUrl: hub.url }), (error: unknown) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.code, 'NETWORK');
    assert.match(
      error.message,
      /resolve\/main\/model\.safetensors answered 404 Not Found \(RepoNotFound: Repository not found\)\. The repository or file is not there/,
    );
    assert.match(error.message, /segbench weights import model\.safetensors --name resnet50\.a1_in1k/);
    return true;
  });
});

test("a file that checks out against the hub but holds another encoder's tensors is not cached", async () => {
  // The hub's resnet18 repository serving resnet34's tensors (its own sha256 and size, so they pass).
  const hub = await hubWith([{ repo: 'timm/resnet18.a1_in1k', bytes: resnet34Half }]);
  const cache = new WeightsCache(tempDir());
  await assert.rejects(pullWeights(cache, 'resnet18', { hubUrl: hub.url, transfer: fast }), (error: unknown) => {
    assert.ok(error instanceof ApiError);
    assert.match(error.message, /does not hold resnet18's weights .* not in resnet18: layer1\.2\.conv1\.weight/);
    assert.match(error.message, /It holds resnet34's weights/);
    return true;
  });
  assert.deepEqual(cacheFiles(cache), []);
});

test('an unknown name lists the names the catalogue knows', async () => {
  await assert.rejects(
    pullWeights(new WeightsCache(tempDir()), 'resnet101', { hubUrl: await refusedUrl() }),
    /No pretrained weights are known as "resnet101"\. Valid names: resnet18, resnet34, resnet50, mobilenet_v2, efficientnet-b0, efficientnet-b1, efficientnet-b2, efficientnet-b3, resnet18\.a1_in1k, resnet18\.tv_in1k/,
  );
});
