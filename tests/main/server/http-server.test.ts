import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { isLoopbackHost, tokenCookieName } from '../../../src-main/server/auth';
import { startServer } from '../../../src-main/server/http-server';
import type { RunningServer } from '../../../src-main/server/http-server';
import { silentLogger } from '../../../src-main/log';
import { rawRequest } from '../../helpers/fuzz';
import { tempDir, testServices } from '../../helpers/services';

const services = testServices();
const token = 'test-token-0123456789';
let server: RunningServer;
let base: string;
/** This server's session cookie name. */
const cookieName = (): string => tokenCookieName(server.port);

before(async () => {
  const staticDir = tempDir();
  writeFileSync(join(staticDir, 'index.html'), '<div id="root"></div>');
  mkdirSync(join(staticDir, 'assets'));
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  server = await startServer({ services, host: '127.0.0.1', port: 0, token, staticDir, logger: silentLogger });
  base = `http://127.0.0.1:${server.port}`;
});
after(async () => {
  await server.close();
  await services.close();
});

function openSocket(headers: Record<string, string>, path = '/api/ws'): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function call(ws: WebSocket, frame: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    ws.on('message', function onMessage(data) {
      const message = JSON.parse(String(data)) as Record<string, unknown>;
      if ('id' in message) {
        ws.off('message', onMessage);
        resolve(message);
      }
    });
    ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  });
}

test('the printed URL carries the token and points at loopback', () => {
  assert.equal(server.url, `http://127.0.0.1:${server.port}/?token=${token}`);
});

test('HTTP without a token, or with a wrong one, gets 401 and no data', async () => {
  const attempts: RequestInit[] = [{}, { headers: { Authorization: 'Bearer wrong' } }, { headers: { Cookie: `${cookieName()}=wrong` } }];
  for (const init of attempts) {
    const response = await fetch(`${base}/assets/app.js`, init);
    assert.equal(response.status, 401);
    const body = await response.text();
    assert.doesNotMatch(body, /console\.log/);
    assert.match(body, /missing or wrong access token/);
  }
  assert.equal((await fetch(`${base}/?token=wrong`, { redirect: 'manual' })).status, 401);
});

test('the token in the address is traded for an HttpOnly cookie that then opens every file', async () => {
  const first = await fetch(`${base}/?token=${token}`, { redirect: 'manual' });
  assert.equal(first.status, 302);
  assert.equal(first.headers.get('location'), '/');
  const cookie = first.headers.get('set-cookie') ?? '';
  assert.equal(cookie, `segbench_token_${server.port}=test-token-0123456789; HttpOnly; SameSite=Strict; Path=/`);
  const page = await fetch(`${base}/`, { headers: { Cookie: cookie.split(';')[0] ?? '' } });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  assert.equal(await page.text(), '<div id="root"></div>');
  const bearer = await fetch(`${base}/assets/app.js`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(bearer.status, 200);
  assert.equal(bearer.headers.get('content-type'), 'text/javascript; charset=utf-8');
});

test('paths outside the renderer folder are not served', async () => {
  const response = await fetch(`${base}/..%2f..%2fetc%2fpasswd`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(response.status, 404);
});

test('a WebSocket without the token, or from another origin, is refused', async () => {
  await assert.rejects(openSocket({}), /Unexpected server response: 401/);
  await assert.rejects(openSocket({ Cookie: `${cookieName()}=wrong` }), /401/);
  await assert.rejects(openSocket({ Cookie: `${cookieName()}=${token}`, Origin: 'http://evil.example' }), /Unexpected server response: 401/);
});

test('over the WebSocket: calls are answered by id, bad frames get errors, events are pushed', async () => {
  const ws = await openSocket({ Cookie: `${cookieName()}=${token}`, Origin: base });
  const settings = await call(ws, { id: 7, method: 'settings:get', payload: {} });
  assert.deepEqual(settings, { id: 7, ok: true, result: { backend: 'auto', theme: 'system' } });

  const invalid = await call(ws, { id: 8, method: 'settings:update', payload: { theme: 'purple' } });
  assert.equal(invalid.ok, false);
  assert.equal((invalid.error as { code: string }).code, 'VALIDATION');

  const garbage = await call(ws, 'this is not json');
  assert.deepEqual(garbage, { id: -1, ok: false, error: { code: 'VALIDATION', message: 'Expected a JSON object {id, method, payload}.' } });

  const event = new Promise<unknown>((resolve) => {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { event?: string; payload?: unknown };
      if (message.event === 'settings:changed') resolve(message.payload);
    });
  });
  await call(ws, { id: 9, method: 'settings:update', payload: { theme: 'dark' } });
  assert.deepEqual(await event, { backend: 'auto', theme: 'dark' });
  ws.close();
});

test('a megabyte sent over the WebSocket, or 8,000 characters in a /files address, comes back as 80 characters of it (issue 27 F9)', async () => {
  const ws = await openSocket({ Authorization: `Bearer ${token}` });
  const huge = `/${'y'.repeat(1_000_000)}`;
  for (const [id, method, payload] of [
    [1, 'jobs:get', { jobId: huge }],
    [2, 'datasets:scan', { imagesDir: huge }],
    [3, 'runs:get', { runId: 'r', [huge]: 1 }],
    [4, huge, {}],
  ] as const) {
    const reply = await call(ws, { id, method, payload });
    const message = (reply.error as { message: string }).message;
    assert.ok(message.length < 2_000 && !/y{100}/.test(message), `${String(id)}: ${message.length} characters`);
    assert.match(message, /y… \(100000\d characters\)/);
  }
  ws.close();
  for (const path of [`/files/image/${'7'.repeat(8_000)}`, `/files/${'k'.repeat(8_000)}/1`, `/files/prediction/${'r'.repeat(8_000)}/1`]) {
    const response = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(response.status, 404);
    const body = await response.text();
    assert.ok(body.length < 300 && !/(7{100}|k{100}|r{100})/.test(body), `${path.slice(0, 20)}: ${body.length} characters`);
    assert.match(body, /… \(8000 characters\)/);
  }
});

test("two servers on 127.0.0.1 keep their own session cookie: opening B leaves A's tab signed in (issue 27 F10)", async () => {
  const otherStatic = tempDir();
  writeFileSync(join(otherStatic, 'index.html'), '<div id="other"></div>');
  const other = await startServer({ services, host: '127.0.0.1', port: 0, token: 'other-token-9876543210', staticDir: otherStatic, logger: silentLogger });
  try {
    const otherBase = `http://127.0.0.1:${other.port}`;
    // The browser's cookies for 127.0.0.1: one jar for every port, as browsers keep them.
    const jar = new Map<string, string>();
    const open = async (url: string): Promise<void> => {
      const response = await fetch(url, { redirect: 'manual', headers: { Cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') } });
      assert.equal(response.status, 302);
      const [pair = ''] = (response.headers.get('set-cookie') ?? '').split(';');
      const at = pair.indexOf('=');
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    };
    await open(server.url);
    await open(other.url);
    const cookies = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    // A's tab, after B was opened: its page and its WebSocket still pass.
    assert.equal((await fetch(`${base}/assets/app.js`, { headers: { Cookie: cookies } })).status, 200);
    assert.deepEqual([...jar.keys()], [`segbench_token_${server.port}`, `segbench_token_${other.port}`]);
    const ws = await openSocket({ Cookie: cookies, Origin: base });
    assert.equal((await call(ws, { id: 1, method: 'settings:get', payload: {} })).ok, true);
    ws.close();
    assert.equal(await (await fetch(`${otherBase}/`, { headers: { Cookie: cookies } })).text(), '<div id="other"></div>');
    // Each cookie opens only its own server.
    assert.equal((await fetch(`${otherBase}/`, { headers: { Cookie: `${cookieName()}=${token}` } })).status, 401);
  } finally {
    await other.close();
  }
});

test('the token trade redirects only within this server: /.//evil.com/x goes to /evil.com/x, never to another host (issue 27 F12)', async () => {
  const cases: [string, string][] = [
    ['/.//evil.com/x', '/evil.com/x'],
    ['/..//evil.com/x', '/evil.com/x'],
    ['/%2e//evil.com/x', '/evil.com/x'],
    ['/./\\/evil.com/x', '/evil.com/x'],
    ['/.///\\evil.com', '/evil.com'],
    ['/runs/r1', '/runs/r1'],
  ];
  for (const [target, expected] of cases) {
    const answer = await rawRequest(
      server.port,
      `GET ${target}?token=${token}&tab=curves HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`,
    );
    assert.match(answer, /^HTTP\/1\.1 302/, target);
    const location = /\r\nLocation: ([^\r]*)\r\n/i.exec(answer)?.[1] ?? '';
    assert.equal(location, `${expected}?tab=curves`, target);
    assert.equal(new URL(location, base).origin, base, target);
  }
});

test('loopback detection', () => {
  for (const host of ['127.0.0.1', '127.3.4.5', 'localhost', '::1']) assert.equal(isLoopbackHost(host), true, host);
  for (const host of ['0.0.0.0', '192.168.1.10', '::', 'example.com', '127.0.0.1.example.com']) {
    assert.equal(isLoopbackHost(host), false, host);
  }
});
