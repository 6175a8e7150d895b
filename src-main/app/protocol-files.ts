import { readFile } from 'node:fs/promises';
import { toApiError } from '../../src-shared/errors';
import type { FileResolver } from '../files/file-service';
import { fileErrorStatus, ownedKind } from '../files/file-service';

/**
 * The desktop app's `segbench://files/<kind>/<imageId>` (and `.../prediction/<imageId>/<runId>`)
 * handler: the same files serve mode answers at /files/..., through the same resolver, so the
 * sandboxed renderer gets thumbnails and images without Node. A file refused on purpose is a 403,
 * anything else the resolver cannot give a 404, with its message. No Electron import: main.ts
 * registers it with protocol.handle.
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
      const apiError = toApiError(error);
      return new Response(apiError.message, { status: fileErrorStatus(apiError.code, 404) });
    }
  };
}
