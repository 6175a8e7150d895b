import { readFile } from 'node:fs/promises';
import { toApiError } from '../../src-shared/errors';
import type { FileResolver } from '../files/file-service';
import { ownedKind } from '../files/file-service';

/**
 * The desktop app's `segbench://files/<kind>/<imageId>` (and `.../prediction/<imageId>/<runId>`)
 * handler: the same files serve mode answers at /files/..., through the same resolver, so the
 * sandboxed renderer gets thumbnails and images without Node. Anything the resolver refuses is a
 * 404 with its message. No Electron import: main.ts registers it with protocol.handle.
 */
export function protocolFileHandler(resolve: FileResolver): (request: Request) => Promise<Response> {
  return async (request) => {
    try {
      const url = new URL(request.url);
      const [, kind = '', first = '', second = ''] = url.pathname.split('/');
      const file = ownedKind(kind) ? await resolve(kind, second, first) : await resolve(kind, first, undefined, url.searchParams.get('view'));
      const body = file.kind === 'buffer' ? file.body : await readFile(file.path);
      return new Response(new Uint8Array(body), {
        headers: { 'Content-Type': file.contentType, 'Access-Control-Allow-Origin': '*' },
      });
    } catch (error) {
      return new Response(toApiError(error).message, { status: 404 });
    }
  };
}
