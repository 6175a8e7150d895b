import { ApiError } from '../../src-shared/errors';
import { z } from '../../src-shared/zod';
import { appVersion } from '../services/version';
import type { CatalogueWeights } from './catalogue';

/**
 * How the Hugging Face hub serves a file, as huggingface_hub's file_download.py reads it
 * (`get_hf_file_metadata`, `http_get`):
 *
 * - `HEAD <hub>/<repo>/resolve/<revision>/<file>` without following redirects. A file stored in
 *   LFS (or Xet) answers 302 with `Location` (an absolute, signed CDN URL on another host), and
 *   the file's own facts on that 302: `X-Linked-Etag` (its sha256, quoted), `X-Linked-Size`,
 *   `X-Repo-Commit`. The 302's own Content-Length is its body's, and the CDN's ETag is not the
 *   sha256, so neither is read. A relative Location (a renamed repository) is followed.
 * - `GET <Location>` with `Range: bytes=N-` resumes: 206 with `Content-Range: bytes N-M/TOTAL`; a
 *   200 means the range was ignored and the file comes whole.
 * - `GET <hub>/api/models/<repo>?blobs=true` lists the files (`siblings`), each LFS one with
 *   `lfs: { sha256, size, pointerSize }`: asked when the HEAD does not give a sha256 (a mirror
 *   that leaves out the linked headers).
 *
 * The hub's address is SEGBENCH_HUB_URL, else HF_ENDPOINT (huggingface_hub's variable for
 * mirrors), else https://huggingface.co.
 */

const defaultHubUrl = 'https://huggingface.co';

export function hubBaseUrl(option?: string, env: NodeJS.ProcessEnv = process.env): string {
  return (option ?? env.SEGBENCH_HUB_URL ?? env.HF_ENDPOINT ?? defaultHubUrl).replace(/\/+$/, '');
}

/** The address a browser or curl fetches the file from (it redirects to the CDN). */
export function resolveUrl(base: string, weights: Pick<CatalogueWeights, 'repo' | 'file'>, revision = 'main'): string {
  return `${base}/${weights.repo}/resolve/${encodeURIComponent(revision)}/${weights.file.split('/').map(encodeURIComponent).join('/')}`;
}

interface HubFile {
  /** The resolve URL. */
  url: string;
  /** Where the bytes are: the CDN URL the resolve URL redirects to (or the resolve URL itself). */
  location: string;
  sha256: string;
  size: number;
  /** The repository's commit (`X-Repo-Commit`), when given. */
  commit: string | null;
}

const requestHeaders = (): Record<string, string> => ({ 'User-Agent': `segbench/${appVersion}`, 'Accept-Encoding': 'identity' });

const networkCodes: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'the name does not resolve: offline, or no name server',
  EAI_AGAIN: 'the name does not resolve: offline, or no name server',
  ETIMEDOUT: 'timed out',
  UND_ERR_CONNECT_TIMEOUT: 'timed out while connecting',
  ECONNRESET: 'the connection was reset',
  ENETUNREACH: 'the network is unreachable',
  EHOSTUNREACH: 'the host is unreachable',
  UND_ERR_SOCKET: 'the connection closed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its TLS certificate is not trusted (a proxy that inspects HTTPS?)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate is not trusted (a proxy that inspects HTTPS?)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its TLS certificate is not trusted (a proxy that inspects HTTPS?)',
};

/** What went wrong with a request that got no answer, in words: fetch's TypeError keeps the reason in `cause`. */
export function networkFailure(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = cause && typeof cause === 'object' && 'code' in cause ? String(cause.code) : '';
  const known = networkCodes[code];
  if (known) return `${known}, ${code}`;
  if (cause instanceof Error && cause.name === 'TimeoutError') return 'no answer in time';
  return cause instanceof Error ? `${cause.message}${code ? `, ${code}` : ''}` : String(cause);
}

/** Runs one request; a request that gets no answer becomes a NETWORK error naming the host. */
export async function hubRequest(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, headers: { ...requestHeaders(), ...(init.headers as Record<string, string> | undefined) } });
  } catch (error) {
    if (init.signal?.aborted && !(init.signal.reason instanceof Error && init.signal.reason.name === 'TimeoutError')) throw init.signal.reason;
    throw new ApiError('NETWORK', `Cannot reach ${new URL(url).origin} (${networkFailure(error)}).`);
  }
}

/** An HTTP error answer in words, with the hub's own error code and message when it gives them. */
async function statusFailure(response: Response, url: string): Promise<ApiError> {
  const hubCode = response.headers.get('x-error-code');
  const hubMessage = response.headers.get('x-error-message');
  const detail = [hubCode, hubMessage].filter(Boolean).join(': ');
  await response.body?.cancel().catch(() => undefined);
  const hint =
    response.status === 404
      ? ' The repository or file is not there (renamed or removed?).'
      : response.status === 401 || response.status === 403
        ? ' The hub wants a login for it (a gated or private repository).'
        : '';
  return new ApiError('NETWORK', `${url} answered ${response.status} ${response.statusText}${detail ? ` (${detail})` : ''}.${hint}`);
}

const sha256Pattern = /^[0-9a-f]{64}$/;

/** `"abc"` and `W/"abc"` to `abc`, as huggingface_hub's `_normalize_etag`. */
const normalizeEtag = (etag: string | null): string | null => (etag === null ? null : etag.replace(/^W\//, '').replace(/^"|"$/g, ''));

const wholeNumber = (text: string | null): number | null => (text !== null && /^\d+$/.test(text.trim()) ? Number(text.trim()) : null);

const siblingsSchema = z.object({
  siblings: z.array(
    z.object({
      rfilename: z.string(),
      size: z.number().int().min(0).optional(),
      lfs: z.object({ sha256: z.string(), size: z.number().int().min(0) }).optional(),
    }),
  ),
});

/** The file's sha256 and size from the hub's API (`?blobs=true`). */
async function apiFileFacts(
  base: string,
  weights: Pick<CatalogueWeights, 'repo' | 'file'>,
  signal: AbortSignal,
): Promise<{ sha256: string | null; size: number | null }> {
  const url = `${base}/api/models/${weights.repo}?blobs=true`;
  const response = await hubRequest(url, { signal });
  if (!response.ok) throw await statusFailure(response, url);
  const parsed = siblingsSchema.safeParse(await response.json().catch(() => null));
  if (!parsed.success) throw new ApiError('NETWORK', `${url} did not answer with the repository's files (no "siblings" list).`);
  const sibling = parsed.data.siblings.find((s) => s.rfilename === weights.file);
  if (!sibling)
    throw new ApiError(
      'NETWORK',
      `${weights.repo} on the hub has no ${weights.file} (it has ${parsed.data.siblings.map((s) => s.rfilename).join(', ') || 'no files'}).`,
    );
  return { sha256: sibling.lfs?.sha256 ?? null, size: sibling.lfs?.size ?? sibling.size ?? null };
}

/** Where the file is, its sha256 and size, asked of the hub (HEAD, then the API if the HEAD lacks them). */
export async function hubFileMetadata(base: string, weights: Pick<CatalogueWeights, 'repo' | 'file'>, signal?: AbortSignal): Promise<HubFile> {
  const url = resolveUrl(base, weights);
  const requestSignal = signal ? AbortSignal.any([signal, AbortSignal.timeout(30_000)]) : AbortSignal.timeout(30_000);
  let at = url;
  let response: Response | null = null;
  let location = url;
  for (let hops = 0; hops < 5 && !response; hops += 1) {
    const answer = await hubRequest(at, { method: 'HEAD', redirect: 'manual', signal: requestSignal });
    const target = answer.status >= 300 && answer.status < 400 ? answer.headers.get('location') : null;
    if (answer.status >= 300 && answer.status < 400 && !target) throw new ApiError('NETWORK', `${at} answered ${answer.status} without a Location.`);
    if (target) {
      const next = new URL(target, at);
      if (next.origin === new URL(at).origin && !answer.headers.has('x-linked-etag')) {
        at = next.href; // a renamed repository: same hub, follow
        continue;
      }
      location = next.href;
      response = answer;
    } else if (!answer.ok) {
      throw await statusFailure(answer, at);
    } else {
      location = at;
      response = answer;
    }
  }
  if (!response) throw new ApiError('NETWORK', `${url} redirected more than 5 times on the hub.`);
  const redirected = location !== at;
  const etag = normalizeEtag(response.headers.get('x-linked-etag') ?? response.headers.get('etag'));
  let sha256 = etag && sha256Pattern.test(etag.toLowerCase()) ? etag.toLowerCase() : null;
  let size = wholeNumber(response.headers.get('x-linked-size')) ?? (redirected ? null : wholeNumber(response.headers.get('content-length')));
  if (sha256 === null || size === null) {
    const facts = await apiFileFacts(base, weights, requestSignal);
    sha256 ??= facts.sha256 && sha256Pattern.test(facts.sha256) ? facts.sha256 : null;
    size ??= facts.size;
  }
  if (sha256 === null || size === null) {
    throw new ApiError(
      'NETWORK',
      `The hub gives no ${sha256 === null ? 'sha256' : 'size'} for ${url}, so the download could not be checked; SegBench keeps only files it can check.`,
    );
  }
  return { url, location, sha256, size, commit: response.headers.get('x-repo-commit') };
}
