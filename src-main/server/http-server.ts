import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { createReadStream } from 'node:fs';
import { toApiError } from '../../src-shared/errors';
import { clipEchoes } from '../../src-shared/request-errors';
import { z } from '../../src-shared/zod';
import type { FileResolver } from '../files/file-service';
import { fileErrorStatus, ownedKind } from '../files/file-service';
import type { Dispatch } from '../ipc/router';
import type { Logger } from '../log';
import type { EventBus } from '../services/event-bus';
import { presentedToken, tokenCookieName, tokenMatches } from './auth';
import { serveStatic } from './static-files';

interface ServerOptions {
  services: { dispatch: Dispatch; events: EventBus; files: FileResolver };
  host: string;
  port: number;
  token: string;
  /** The built renderer (out/renderer). */
  staticDir: string;
  logger: Logger;
}

export interface RunningServer {
  readonly port: number;
  /** The address to open, with the access token. */
  readonly url: string;
  close(): Promise<void>;
}

const websocketPath = '/api/ws';
const unauthorizedText = 'SegBench: missing or wrong access token. Open the URL that `segbench serve` printed; it ends with ?token=...\n';

/**
 * Serve mode's transport: the renderer as static files and the API over one WebSocket. Every
 * HTTP request and every WebSocket upgrade must present the per-start token; without it the
 * answer is 401 and no data.
 */
export function startServer(options: ServerOptions): Promise<RunningServer> {
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 4 * 2 ** 20 });
  // The session cookie is named after the port this server listens on (known once it listens).
  const cookieName = (): string => tokenCookieName((server.address() as AddressInfo).port);
  // One guard per request: whatever a request's URL, headers or body hold, the answer is 400 for
  // that request and the process goes on.
  const server = createServer((request, response) => {
    try {
      handleHttp(request, response, options, cookieName());
    } catch (error) {
      refuseRequest(response, error, options.logger);
    }
  });
  // Malformed HTTP (bad request line, headers over the size limit, truncated): 400 and close.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    try {
      const url = requestUrl(request);
      const sameOrigin = !request.headers.origin || originMatchesHost(request.headers.origin, request.headers.host);
      if (url.pathname !== websocketPath || !sameOrigin || !tokenMatches(presentedToken(request, url, cookieName()), options.token)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      sockets.handleUpgrade(request, socket, head, (ws) => attachClient(ws, options));
    } catch (error) {
      options.logger.warn(`[http] refused a WebSocket upgrade: ${String(error)}`);
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
      resolve({
        port,
        url: `http://${shownHost}:${port}/?token=${options.token}`,
        close: () =>
          new Promise<void>((done) => {
            for (const client of sockets.clients) client.terminate();
            sockets.close();
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

function handleHttp(request: IncomingMessage, response: ServerResponse, options: ServerOptions, cookieName: string): void {
  const url = requestUrl(request);
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Referrer-Policy', 'no-referrer');
  if (!tokenMatches(presentedToken(request, url, cookieName), options.token)) {
    response.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8' }).end(unauthorizedText);
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  if (url.searchParams.has('token')) {
    // Trade the token in the address for a cookie, so it leaves the address bar and history.
    url.searchParams.delete('token');
    response.writeHead(302, {
      'Set-Cookie': `${cookieName}=${encodeURIComponent(options.token)}; HttpOnly; SameSite=Strict; Path=/`,
      Location: localAddress(url),
    });
    response.end();
    return;
  }
  if (url.pathname.startsWith('/files/')) {
    serveDatasetFile(url.pathname, request, response, options).catch((error: unknown) => refuseRequest(response, error, options.logger));
    return;
  }
  response.setHeader('Content-Security-Policy', "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'");
  serveStatic(options.staticDir, url.pathname, response);
}

/** `/files/<kind>/<imageId>`: thumbnails and full images for the browser and viewer. */
async function serveDatasetFile(pathname: string, request: IncomingMessage, response: ServerResponse, options: ServerOptions): Promise<void> {
  const [, , kind = '', first = '', second = ''] = pathname.split('/');
  let view: string | null = null;
  try {
    view = new URL(request.url ?? '/', 'http://localhost').searchParams.get('view');
    const file = ownedKind(kind) ? await options.services.files(kind, second, first) : await options.services.files(kind, first, undefined, view);
    const headers = { 'Content-Type': file.contentType, 'Cache-Control': 'no-cache', ETag: file.etag };
    if (request.headers['if-none-match'] === file.etag) {
      response.writeHead(304, headers).end();
      return;
    }
    if (file.kind === 'buffer') {
      response.writeHead(200, { ...headers, 'Content-Length': file.body.length }).end(file.body);
      return;
    }
    response.writeHead(200, { ...headers, 'Content-Length': file.size });
    createReadStream(file.path)
      .on('error', () => response.destroy())
      .pipe(response);
  } catch (error) {
    const apiError = toApiError(error);
    // The address's parts, like any request value, are quoted at most `echoLimit` characters long.
    const message = clipEchoes(apiError.message, [kind, first, second, view ?? '']);
    response.writeHead(fileErrorStatus(apiError.code), { 'Content-Type': 'text/plain; charset=utf-8' }).end(message);
  }
}

function refuseRequest(response: ServerResponse, error: unknown, logger: Logger): void {
  logger.warn(`[http] refused a malformed request: ${error instanceof Error ? error.message : String(error)}`);
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Bad request: SegBench could not read this request.\n');
}

/**
 * A request frame: a WireRequest as far as the transport checks it. The method and payload are
 * the dispatcher's to check (an unknown method is answered by id, a payload against the method's
 * schema), so they are taken as they come; the payload is never walked here.
 */
const wireFrameSchema = z.object({ id: z.number(), method: z.unknown().optional(), payload: z.unknown().optional() });

const replyError = (ws: WebSocket, id: number, message: string): void => {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, ok: false, error: { code: 'VALIDATION', message } }));
};

function attachClient(ws: WebSocket, options: ServerOptions): void {
  const unsubscribe = options.services.events.onAny((event, payload) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event, payload }));
  });
  ws.on('close', unsubscribe);
  ws.on('error', (error) => options.logger.warn(`[ws] ${error.message}`));
  // One guard per message: a frame that is binary, not JSON, or not {id, method, payload} gets an
  // error reply on this socket and nothing else happens.
  ws.on('message', (data, isBinary) => {
    try {
      if (isBinary) return replyError(ws, -1, 'Binary frames are not accepted; send a JSON text frame {id, method, payload}.');
      let request: z.output<typeof wireFrameSchema>;
      try {
        request = wireFrameSchema.parse(JSON.parse(String(data)));
      } catch {
        return replyError(ws, -1, 'Expected a JSON object {id, method, payload}.');
      }
      const id = request.id;
      options.services
        .dispatch(request.method, request.payload)
        .then((reply) => {
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, ...reply }));
        })
        .catch((error: unknown) => {
          options.logger.error(`[ws] a reply could not be sent: ${String(error)}`);
          replyError(ws, id, 'SegBench could not encode the reply to this request.');
        });
    } catch (error) {
      options.logger.warn(`[ws] closed a socket after a malformed message: ${String(error)}`);
      ws.close(1008, 'malformed message');
    }
  });
}

/**
 * Where the token trade sends the browser: this server's path and query, always one leading
 * slash. `/.//evil.com/x` is parsed to the path `//evil.com/x`, which a browser reads as another
 * host (a protocol-relative address): an open redirect.
 */
function localAddress(url: URL): string {
  return `/${url.pathname.replace(/^[/\\]+/, '')}${url.search}`;
}

function requestUrl(request: IncomingMessage): URL {
  try {
    return new URL(request.url ?? '/', 'http://segbench.invalid');
  } catch {
    throw new Error(`unreadable request address ${JSON.stringify((request.url ?? '').slice(0, 80))}`);
  }
}

function originMatchesHost(origin: string, host: string | undefined): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
