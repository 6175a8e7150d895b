import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { tokenCookieName } from '../../../src-main/server/auth';
import { startServer } from '../../../src-main/server/http-server';
import type { RunningServer } from '../../../src-main/server/http-server';
import { memoryLogger } from '../../../src-main/log';
import { tempDir, testServices } from '../../helpers/services';
import { fuzzHttpRequests, fuzzSocketFrames, rawRequest } from '../../helpers/fuzz';

const services = testServices();
const token = 'fuzz-token-0123456789';
const logger = memoryLogger();
let server: RunningServer;

before(async () => {
  const staticDir = tempDir();
  writeFileSync(join(staticDir, 'index.html'), '<div id="root"></div>');
  server = await startServer({ services, host: '127.0.0.1', port: 0, token, staticDir, logger });
});
after(async () => {
  await server.close();
  await services.close();
});

function socket(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/ws`, { headers: { Authorization: `Bearer ${token}` } });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function reply(ws: WebSocket, frame: string | Buffer, binary = false): Promise<{ id: number; ok: boolean; error?: { code: string; message: string } }> {
  return new Promise((resolve) => {
    ws.on('message', function onMessage(data) {
      const message = JSON.parse(String(data)) as { id?: number };
      if (typeof message.id === 'number') {
        ws.off('message', onMessage);
        resolve(message as { id: number; ok: boolean });
      }
    });
    ws.send(frame, { binary });
  });
}

async function stillAnswers(): Promise<void> {
  const page = await fetch(`http://127.0.0.1:${server.port}/`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(page.status, 200);
  const ws = await socket();
  const info = await reply(ws, JSON.stringify({ id: 1, method: 'system:info', payload: {} }));
  assert.equal(info.ok, true);
  ws.close();
}

test('a broken percent escape in the token cookie is refused with 401, over HTTP and on the WebSocket upgrade', async () => {
  const http = await rawRequest(
    server.port,
    `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${tokenCookieName(server.port)}=%E0%A4%A\r\nConnection: close\r\n\r\n`,
  );
  assert.match(http, /^HTTP\/1\.1 401/);
  const upgrade = await rawRequest(
    server.port,
    'GET /api/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nCookie: ${tokenCookieName(server.port)}=%\r\n\r\n`,
  );
  assert.match(upgrade, /^HTTP\/1\.1 401/);
  await stillAnswers();
});

test('with the token, an address with a broken escape gets 400, not a dead server', async () => {
  const response = await rawRequest(server.port, `GET /%E0%A4%A HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`);
  assert.match(response, /^HTTP\/1\.1 400/);
  assert.match(response, /broken percent escape/);
  await stillAnswers();
});

test('three hundred malformed requests and socket frames: each is answered or closed, and the server still answers', async () => {
  const requests = fuzzHttpRequests(token, server.port, 240, 7);
  const statuses = new Map<string, number>();
  for (const request of requests) {
    const answer = await rawRequest(server.port, request.bytes);
    const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 'closed';
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    assert.ok(status === 'closed' || Number(status) < 500, `${request.kind} got ${status}`);
  }
  assert.ok((statuses.get('400') ?? 0) > 0, `some 400s expected, got ${JSON.stringify([...statuses])}`);

  const frames = fuzzSocketFrames(60, 11);
  let answered = 0;
  for (const frame of frames) {
    const ws = await socket();
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    const outcome = await Promise.race([reply(ws, frame.data, frame.binary).then(() => 'reply'), closed.then(() => 'closed')]);
    if (outcome === 'reply') answered += 1;
    ws.terminate();
  }
  assert.ok(answered > 40, `most frames get an error reply (${answered} of ${frames.length})`);
  await stillAnswers();
});

test('JSON nested 5,000 levels deep is a validation error naming the limit; a 1 MB value is echoed as a short prefix', async () => {
  const ws = await socket();
  const deep = `{"id":5,"method":"settings:update","payload":{"theme":${'['.repeat(5000)}${']'.repeat(5000)}}}`;
  const nested = await reply(ws, deep);
  assert.equal(nested.ok, false);
  assert.equal(nested.error?.code, 'VALIDATION');
  assert.match(nested.error?.message ?? '', /nested deeper than 64 levels; the limit is 64 levels and 200000 values/);

  const huge = await reply(ws, JSON.stringify({ id: 6, method: 'settings:update', payload: { theme: 'x'.repeat(1_000_000) } }));
  assert.equal(huge.error?.code, 'VALIDATION');
  assert.ok((huge.error?.message.length ?? 0) < 600, `message of ${huge.error?.message.length} characters`);
  assert.match(huge.error?.message ?? '', /"x{20,}… \(1000002 characters\)/);
  ws.close();
});
