import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the Hugging Face hub and its CDN, answering as they answer (headers as
 * huggingface_hub's file_download.py and hf_api.py read them):
 *
 * - hub `HEAD|GET /<repo>/resolve/<revision>/<file>`: 302 to the CDN (another host: another
 *   port here) with `X-Linked-Etag: "<sha256>"`, `X-Linked-Size`, `X-Repo-Commit`, an ETag of its
 *   own and a short text body; an unknown repository or file answers 404 with `X-Error-Code`.
 * - hub `GET /api/models/<repo>[?blobs=true]`: the model's JSON, `siblings` with `size`, `blobId`
 *   and `lfs: { sha256, size, pointerSize }` only when `blobs=true`.
 * - CDN `GET /xet-bridge-us/<id>/<sha256>?<signature>`: the bytes, `Accept-Ranges: bytes`, an ETag
 *   that is not the sha256, `Range: bytes=N-` answered 206 with `Content-Range`, or 416.
 *
 * Faults for tests: a body cut after some bytes, a CDN that ignores Range, bytes that differ from
 * the sha256 the hub gives, a hub that leaves out the linked headers.
 */

interface HubRepoFile {
  repo: string;
  /** The bytes the hub describes (sha256, size). */
  bytes: Uint8Array;
  file?: string;
}

interface FakeHubFaults {
  /** The next `times` CDN bodies end (the connection closes) after `bytes` bytes. */
  cutAfter?: { bytes: number; times: number };
  /** The CDN answers 200 with the whole file to a Range request. */
  ignoreRange?: boolean;
  /** The CDN serves these bytes instead of the described ones (same size). */
  served?: Map<string, Uint8Array>;
  /** The 302 leaves out X-Linked-Etag and X-Linked-Size, as some mirrors do. */
  noLinkedHeaders?: boolean;
  /** The CDN sends at about this many bytes a second (in 64 KiB pieces), as a slow line does. */
  bytesPerSecond?: number;
}

interface HubRequest {
  server: 'hub' | 'cdn';
  method: string;
  url: string;
  range: string | null;
  status: number;
}

export interface FakeHub {
  url: string;
  cdnUrl: string;
  requests: HubRequest[];
  faults: FakeHubFaults;
  close(): Promise<void>;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const gitBlobSha1 = (text: string): string =>
  createHash('sha1')
    .update(`blob ${Buffer.byteLength(text)}\0${text}`)
    .digest('hex');

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function startFakeHub(files: HubRepoFile[], faults: FakeHubFaults = {}): Promise<FakeHub> {
  const commit = 'c9a1d0f2b3e4a5968778695a4b3c2d1e0f9a8b7c';
  const entries = files.map((f) => ({ ...f, file: f.file ?? 'model.safetensors', sha256: sha256(f.bytes) }));
  const requests: HubRequest[] = [];
  const record = (server: 'hub' | 'cdn', req: IncomingMessage, status: number): void => {
    requests.push({ server, method: req.method ?? '', url: req.url ?? '', range: req.headers.range ?? null, status });
  };
  const hubServer = createServer();
  const cdnServer = createServer();
  const hubUrl = await listen(hubServer);
  const cdnUrl = await listen(cdnServer);

  const notFound = (req: IncomingMessage, res: ServerResponse, code: string, message: string): void => {
    record('hub', req, 404);
    const body = JSON.stringify({ error: message });
    res.writeHead(404, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'X-Error-Code': code,
      'X-Error-Message': message,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  hubServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', hubUrl);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (resolve) {
      const [, repo, , file] = resolve;
      const inRepo = entries.filter((e) => e.repo === repo);
      if (inRepo.length === 0) return notFound(req, res, 'RepoNotFound', 'Repository not found');
      const entry = inRepo.find((e) => e.file === decodeURIComponent(file ?? ''));
      if (!entry) return notFound(req, res, 'EntryNotFound', `${file} does not exist on "main"`);
      const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${entry.sha256}\nsize ${entry.bytes.byteLength}\n`;
      const location =
        `${cdnUrl}/xet-bridge-us/6581b3e2a4c9d7f0e1b2c3d4/${entry.sha256}` +
        `?X-Xet-Cas-Uid=public&response-content-disposition=inline%3B+filename*%3DUTF-8%27%27${entry.file}%3B+filename%3D%22${entry.file}%22%3B` +
        `&Expires=1781098782&Policy=eyJTdGF0ZW1lbnQiOltdfQ__&Signature=c2lnbmVk&Key-Pair-Id=K2L8F4GPSG1IFC`;
      const body = `Found. Redirecting to ${location}`;
      record('hub', req, 302);
      res.writeHead(302, {
        'Content-Type': 'text/plain; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        Location: location,
        ETag: `W/"${gitBlobSha1(pointer)}"`,
        'X-Repo-Commit': commit,
        'Accept-Ranges': 'bytes',
        Vary: 'Origin, Accept',
        'Access-Control-Expose-Headers':
          'X-Repo-Commit,X-Request-Id,X-Error-Code,X-Error-Message,X-Total-Count,ETag,Link,Accept-Ranges,Content-Range,X-Linked-Size,X-Linked-ETag,X-Xet-Hash',
        ...(!faults.noLinkedHeaders && { 'X-Linked-Size': String(entry.bytes.byteLength), 'X-Linked-Etag': `"${entry.sha256}"` }),
        'X-Xet-Hash': createHash('sha256').update(`xet:${entry.sha256}`).digest('hex'),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    const api = /^\/api\/models\/([^/]+\/[^/]+)$/.exec(url.pathname);
    if (api && req.method === 'GET') {
      const repo = api[1]!;
      const inRepo = entries.filter((e) => e.repo === repo);
      if (inRepo.length === 0) return notFound(req, res, 'RepoNotFound', 'Repository not found');
      const blobs = url.searchParams.get('blobs') === 'true';
      const readme = '---\ntags:\n- image-classification\n- timm\nlibrary_name: timm\nlicense: apache-2.0\n---\n';
      const siblings = [
        { rfilename: '.gitattributes', ...(blobs && { size: 1519, blobId: 'a6344aac8c09253b3b630fb776ae94478aa0275b' }) },
        { rfilename: 'README.md', ...(blobs && { size: readme.length, blobId: gitBlobSha1(readme) }) },
        { rfilename: 'config.json', ...(blobs && { size: 735, blobId: '0f5ad1ed1d6ac7e05e1ad08fa67ac1fe2e3c4d5b' }) },
        ...inRepo.map((e) => ({
          rfilename: e.file,
          ...(blobs && { size: e.bytes.byteLength, blobId: gitBlobSha1(e.sha256), lfs: { sha256: e.sha256, size: e.bytes.byteLength, pointerSize: 135 } }),
        })),
      ];
      const body = JSON.stringify({
        _id: '6481e0b6c2a1d4e5f6a7b8c9',
        id: repo,
        modelId: repo,
        author: repo.split('/')[0],
        sha: commit,
        lastModified: '2023-04-05T18:02:37.000Z',
        private: false,
        disabled: false,
        gated: false,
        pipeline_tag: 'image-classification',
        library_name: 'timm',
        tags: ['timm', 'pytorch', 'safetensors', 'image-classification', 'arxiv:2110.00476', 'license:apache-2.0'],
        downloads: 0,
        likes: 0,
        siblings,
        spaces: [],
        createdAt: '2023-04-05T18:02:28.000Z',
        usedStorage: inRepo.reduce((sum, e) => sum + 2 * e.bytes.byteLength, 0),
      });
      record('hub', req, 200);
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'X-Repo-Commit': commit });
      res.end(body);
      return;
    }
    notFound(req, res, 'NotFound', 'Not found');
  });

  cdnServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', cdnUrl);
    const match = /^\/xet-bridge-us\/[^/]+\/([0-9a-f]{64})$/.exec(url.pathname);
    const entry = match && url.searchParams.has('Signature') ? entries.find((e) => e.sha256 === match[1]) : undefined;
    if (!entry) {
      record('cdn', req, 403);
      res.writeHead(403, { 'Content-Type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access denied</Message></Error>');
      return;
    }
    const bytes = faults.served?.get(entry.sha256) ?? entry.bytes;
    const size = bytes.byteLength;
    const common = {
      'Content-Type': 'binary/octet-stream',
      'Accept-Ranges': 'bytes',
      // 64 hex digits like a sha256, but not the file's: a client must take the sha256 from the 302.
      ETag: `"${sha256(Buffer.concat([Buffer.from('cdn object '), bytes.subarray(0, 64)]))}"`,
      'Last-Modified': 'Wed, 05 Apr 2023 18:02:37 GMT',
      'Content-Disposition': `inline; filename*=UTF-8''${entry.file}; filename="${entry.file}";`,
      'Cache-Control': 'public, max-age=604800, immutable, s-maxage=604800',
    };
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    let start = 0;
    let end = size - 1;
    let status = 200;
    if (range && !faults.ignoreRange) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size) {
        record('cdn', req, 416);
        res.writeHead(416, { ...common, 'Content-Range': `bytes */${size}` });
        res.end();
        return;
      }
      status = 206;
    }
    record('cdn', req, status);
    res.writeHead(status, { ...common, 'Content-Length': end - start + 1, ...(status === 206 && { 'Content-Range': `bytes ${start}-${end}/${size}` }) });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const body = bytes.subarray(start, end + 1);
    const cut = faults.cutAfter && faults.cutAfter.times > 0 ? faults.cutAfter : null;
    if (cut && cut.bytes < body.byteLength) {
      cut.times -= 1;
      // The connection closes mid-body: the client sees fewer bytes than Content-Length.
      res.write(body.subarray(0, cut.bytes), () => res.socket?.end());
      return;
    }
    const pace = faults.bytesPerSecond;
    if (!pace) {
      res.end(body);
      return;
    }
    const piece = 64 * 1024;
    let sent = 0;
    const timer = setInterval(
      () => {
        if (res.destroyed) return clearInterval(timer);
        const next = body.subarray(sent, sent + piece);
        sent += next.byteLength;
        if (sent >= body.byteLength) {
          clearInterval(timer);
          res.end(next);
        } else res.write(next);
      },
      (piece / pace) * 1000,
    );
  });

  return {
    url: hubUrl,
    cdnUrl,
    requests,
    faults,
    close: async () => {
      hubServer.closeAllConnections();
      cdnServer.closeAllConnections();
      await Promise.all([new Promise((r) => hubServer.close(r)), new Promise((r) => cdnServer.close(r))]);
    },
  };
}

/** A port nothing listens on: connections to it are refused, as offline. */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  const url = await listen(server);
  await new Promise((r) => server.close(r));
  return url;
}
