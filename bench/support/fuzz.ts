import { connect } from 'node:net';
import { tokenCookieName } from '../../src-main/server/auth';
import { mulberry32 } from '../../src-shared/random';

/**
 * Malformed input for `segbench serve`, made from a seed so a failure can be replayed: family C of
 * bench/reliability.ts sends these, counted by answer, and the fuzz test sends the same kinds
 * (tests/helpers/fuzz.ts re-exports this file: one list of kinds for both).
 */
interface FuzzRequest {
  kind: string;
  bytes: Buffer;
}

const badEscapes = ['%', '%E0%A4%A', '%ZZ', '%C0%AF', '%ff%fe', '%00', '%%', '%e2%82', '%uD800', '%2e%2e%2f%2e%2e%2f'];

/** Sends bytes on a fresh TCP connection; resolves with what came back before close (or 2 s). */
export function rawRequest(port: number, bytes: string | Buffer, halfClose = false): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const timer = setTimeout(done, 2_000);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      if (/\r\n\r\n/.test(Buffer.concat(chunks).toString('latin1')) && /^HTTP\/1\.1 (101|[1-5]\d\d)/.test(chunks[0]!.toString('latin1'))) {
        // A whole head has come: give the body a moment, then stop.
        setTimeout(done, 50);
      }
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.write(bytes, () => {
      if (halfClose) socket.end();
    });
  });
}

/** `port`: the server's, which names its session cookie. */
export function fuzzHttpRequests(token: string, port: number, count: number, seed: number): FuzzRequest[] {
  const cookie = tokenCookieName(port);
  const random = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const randomBytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
  const auth = (): string => (random() < 0.5 ? `Authorization: Bearer ${token}\r\n` : '');
  const makers: [string, () => Buffer][] = [
    [
      'bad escape in path',
      () =>
        Buffer.from(
          `GET /${pick(badEscapes)}${pick(['', 'assets/', 'files/image/'])}${pick(badEscapes)} HTTP/1.1\r\nHost: h\r\n${auth()}Connection: close\r\n\r\n`,
        ),
    ],
    [
      'bad escape in cookie',
      () => Buffer.from(`GET / HTTP/1.1\r\nHost: h\r\nCookie: ${cookie}=${pick(badEscapes)}; other=${pick(badEscapes)}\r\nConnection: close\r\n\r\n`),
    ],
    ['bad escape in query', () => Buffer.from(`GET /?token=${pick(badEscapes)}&x=${pick(badEscapes)} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`)],
    [
      'invalid UTF-8 in the request line',
      () => Buffer.concat([Buffer.from('GET /'), randomBytes(12), Buffer.from(` HTTP/1.1\r\nHost: h\r\n${auth()}Connection: close\r\n\r\n`)]),
    ],
    ['binary garbage', () => randomBytes(20 + Math.floor(random() * 200))],
    ['huge header', () => Buffer.from(`GET / HTTP/1.1\r\nHost: h\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`)],
    ['truncated body', () => Buffer.from(`POST /api HTTP/1.1\r\nHost: h\r\n${auth()}Content-Length: 100000\r\n\r\n{"id":1,"meth`)],
    ['bad content length', () => Buffer.from(`POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -5\r\n\r\n`)],
    ['absolute URL with a bad host', () => Buffer.from(`GET http://[::1 HTTP/1.1\r\nHost: h\r\n${auth()}Connection: close\r\n\r\n`)],
    [
      'files path with escapes',
      () =>
        Buffer.from(
          `GET /files/${pick(['image', 'mask', 'prediction', 'thumb'])}/${pick(badEscapes)}/${pick(badEscapes)} HTTP/1.1\r\nHost: h\r\n${auth()}Connection: close\r\n\r\n`,
        ),
    ],
    [
      'upgrade with a broken cookie',
      () =>
        Buffer.from(
          `GET /api/ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nCookie: ${cookie}=${pick(badEscapes)}\r\n\r\n`,
        ),
    ],
    [
      'upgrade with a bad key',
      () =>
        Buffer.from(
          `GET /api/ws HTTP/1.1\r\nHost: h\r\n${auth()}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 99\r\nSec-WebSocket-Key: !\r\n\r\n`,
        ),
    ],
    ['header without a colon', () => Buffer.from(`GET / HTTP/1.1\r\nHost: h\r\nthis is not a header\r\n\r\n`)],
  ];
  return Array.from({ length: count }, (_, i) => {
    const [kind, make] = makers[i % makers.length]!;
    return { kind, bytes: make() };
  });
}

interface FuzzFrame {
  kind: string;
  data: string | Buffer;
  binary: boolean;
}

export function fuzzSocketFrames(count: number, seed: number): FuzzFrame[] {
  const random = mulberry32(seed);
  const randomBytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
  const makers: [string, () => FuzzFrame['data'], boolean][] = [
    ['binary frame', () => randomBytes(64), true],
    ['not JSON', () => `{"id": 1, "method": ${'x'.repeat(Math.floor(random() * 50))}`, false],
    ['JSON without an id', () => JSON.stringify({ method: 'system:info' }), false],
    ['unknown method', () => JSON.stringify({ id: 2, method: `x${'%'.repeat(3)}${random()}`, payload: {} }), false],
    ['payload of the wrong type', () => JSON.stringify({ id: 3, method: 'runs:start', payload: [1, 2, 3] }), false],
    ['nested payload', () => `{"id":4,"method":"runs:start","payload":${'{"a":'.repeat(300)}1${'}'.repeat(300)}}`, false],
    ['huge string', () => JSON.stringify({ id: 5, method: 'datasets:scan', payload: { imagesDir: 'y'.repeat(200_000) } }), false],
    [
      'numbers out of range',
      () => JSON.stringify({ id: 6, method: 'jobs:startDiagnostic', payload: { steps: -1e308, stepMs: Number.MAX_SAFE_INTEGER } }),
      false,
    ],
    ['null payload', () => JSON.stringify({ id: 7, method: 'jobs:get', payload: null }), false],
    [
      'invalid UTF-8 in a text frame',
      () => Buffer.concat([Buffer.from('{"id":8,"method":"'), Buffer.from([0xc3, 0x28, 0xa0, 0xa1]), Buffer.from('"}')]),
      false,
    ],
  ];
  return Array.from({ length: count }, (_, i) => {
    const [kind, make, binary] = makers[i % makers.length]!;
    return { kind, data: make(), binary };
  });
}
