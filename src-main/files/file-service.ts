import { realpath, stat } from 'node:fs/promises';
import { extname, join, relative, isAbsolute } from 'node:path';
import sharp from 'sharp';
import { fileKinds } from '../../src-shared/contract';
import { ApiError } from '../../src-shared/errors';
import type { ErrorCode } from '../../src-shared/errors';
import type { Statements } from '../db/statements';
import { parseBandLayout } from '../../src-shared/bands';
import { renderBandView } from './band-view-png';

/**
 * Kinds addressed by an owner and an image: `/files/prediction/<runId>/<imageId>` (a run's stored
 * prediction), `/files/check-prediction/<checkId>/<imageId>` and `/files/check-flag/...` (a
 * label-error check's out-of-fold prediction and suspect-region map).
 */
export function ownedKind(kind: string): boolean {
  return kind === 'prediction' || kind === 'check-prediction' || kind === 'check-flag';
}

type ServedFile =
  { kind: 'path'; path: string; contentType: string; size: number; etag: string } | { kind: 'buffer'; body: Buffer; contentType: string; etag: string };

const browserTypes: Record<string, string> = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png' };

/**
 * Finds the bytes behind `/files/<kind>/<imageId>`: cached thumbnails, or the original image and
 * mask. Browsers cannot show TIFF, so TIFFs are converted to PNG on the way (masks losslessly,
 * greyscale kept as one channel).
 */
export function createFileResolver(statements: Statements, dataDir: string) {
  const cacheDir = join(dataDir, 'cache');
  const within = (root: string | null | undefined, real: string): boolean => {
    if (!root) return false;
    const rel = relative(root, real);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  };
  /**
   * A file is served only if, links resolved, it is a regular file inside a folder recorded at
   * import (any dataset's images or masks folder; derived datasets point into their sources) or
   * inside the data directory (thumbnails, corrections, derived masks, predictions). A file
   * swapped for a link to /etc/hostname after import is refused (403), and so is a hard link
   * outside the data directory.
   */
  // The recorded folders' own links are resolved once each, not on every thumbnail request.
  const rootCache = new Map<string, string>();
  async function realRoot(root: string): Promise<string | null> {
    const known = rootCache.get(root);
    if (known) return known;
    const real = await realpath(root).catch(() => null);
    if (real) rootCache.set(root, real);
    return real;
  }

  async function servable(path: string): Promise<{ path: string; size: number; mtimeMs: number } | null> {
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      return null;
    }
    const roots = [dataDir, ...statements.datasetsAll.all().flatMap((d) => [d.images_dir, d.masks_dir])];
    const [realDataDir, ...realRoots] = await Promise.all(roots.map(realRoot));
    const inData = within(realDataDir, real);
    if (!inData && !realRoots.some((root) => within(root, real))) {
      throw new ApiError('FORBIDDEN', `Refused: ${path} now leads outside the folders recorded at import.`);
    }
    const stats = await stat(real);
    if (!stats.isFile()) throw new ApiError('NOT_FOUND', `Refused: ${path} is not a regular file.`);
    // A hard link has no target to resolve: its bytes may be any file on the same disk (a link
    // made in a dataset folder to a file outside it). Outside the data directory, a file with
    // more than one name is refused.
    if (stats.nlink > 1 && !inData) {
      throw new ApiError(
        'FORBIDDEN',
        `Refused: ${path} is a hard link (one of ${stats.nlink} names of the same file), and a hard link in a dataset folder may lead to a file outside the folders recorded at import. Replace it with a copy of the file to view it.`,
      );
    }
    return { path: real, size: stats.size, mtimeMs: stats.mtimeMs };
  }

  /** `view` (the URL's view parameter) picks the bands of a multispectral image; see band-view-png.ts. */
  return async function resolveFile(kind: string, imageIdText: string, runId?: string, view?: string | null): Promise<ServedFile> {
    if (!(fileKinds as readonly string[]).includes(kind)) {
      throw new ApiError('NOT_FOUND', `Unknown file kind "${kind}"; valid kinds: ${fileKinds.join(', ')}.`);
    }
    if (kind === 'prediction') {
      // A run's stored prediction of a validation image: /files/prediction/<runId>/<imageId>.
      const run = runId ? statements.runById.get(runId) : undefined;
      if (!run?.run_dir || !/^\d+$/.test(imageIdText)) throw new ApiError('NOT_FOUND', `No run ${runId ?? ''} or image ${imageIdText}.`);
      const path = join(run.run_dir, 'predictions', 'val', `${imageIdText}_index.png`);
      const stats = await servable(path);
      if (!stats) throw new ApiError('NOT_FOUND', `No stored prediction for image ${imageIdText}: predict the validation images on the Inspect page first.`);
      return { kind: 'path', path: stats.path, contentType: 'image/png', size: stats.size, etag: `"${stats.size}-${Math.round(stats.mtimeMs)}"` };
    }
    if (kind === 'check-prediction' || kind === 'check-flag') {
      const check = runId && /^\d+$/.test(runId) ? statements.labelCheckById.get(Number(runId)) : undefined;
      if (!check?.out_dir || !/^\d+$/.test(imageIdText)) throw new ApiError('NOT_FOUND', `No label check ${runId ?? ''} or image ${imageIdText}.`);
      const path = join(check.out_dir, `${imageIdText}_${kind === 'check-flag' ? 'flag' : 'pred'}.png`);
      const stats = await servable(path);
      if (!stats)
        throw new ApiError(
          'NOT_FOUND',
          `Label check #${check.id} has no ${kind === 'check-flag' ? 'suspect-region map' : 'prediction'} of image ${imageIdText}; it has not scored it (yet).`,
        );
      return { kind: 'path', path: stats.path, contentType: 'image/png', size: stats.size, etag: `"${stats.size}-${Math.round(stats.mtimeMs)}"` };
    }
    const imageId = Number(imageIdText);
    const row = Number.isInteger(imageId) ? statements.imageById.get(imageId) : undefined;
    if (!row) throw new ApiError('NOT_FOUND', `No image with id ${imageIdText}.`);
    const thumbs = join(cacheDir, 'thumbs', row.dataset_id);
    const path =
      kind === 'thumb'
        ? join(thumbs, `${imageId}.jpg`)
        : kind === 'thumb-mask'
          ? join(thumbs, `${imageId}.mask.png`)
          : kind === 'image'
            ? row.image_path
            : kind === 'mask'
              ? (statements.imageEffectiveMask.get(imageId)?.path ?? row.mask_path)
              : row.mask_path;
    const stats = await servable(path);
    if (!stats)
      throw new ApiError('NOT_FOUND', `The file ${path} is missing${kind.startsWith('thumb') ? ' (re-index the dataset to rebuild thumbnails)' : ''}.`);
    const etag = `"${stats.size}-${Math.round(stats.mtimeMs)}"`;
    const layout = kind === 'image' && row.raster ? parseBandLayout(statements.datasetById.get(row.dataset_id)?.bands) : null;
    if (layout)
      return {
        kind: 'buffer',
        body: await renderBandView(stats.path, view ?? null, layout.names),
        contentType: 'image/png',
        etag: `${etag.slice(0, -1)}-${view ?? 'default'}"`,
      };
    const type = browserTypes[extname(path).toLowerCase()];
    if (type) return { kind: 'path', path: stats.path, contentType: type, size: stats.size, etag };
    return { kind: 'buffer', body: await toPng(stats.path, kind.endsWith('mask')), contentType: 'image/png', etag };
  };
}

async function toPng(path: string, isMask: boolean): Promise<Buffer> {
  try {
    const meta = await sharp(path).metadata();
    let pipeline = sharp(path);
    if (isMask && (meta.channels ?? 0) <= 2) return await pipeline.extractChannel(0).toColourspace('b-w').png().toBuffer();
    if (!isMask && meta.depth === 'ushort') pipeline = pipeline.normalise();
    return await pipeline.removeAlpha().toColourspace('srgb').png().toBuffer();
  } catch (error) {
    throw new ApiError('NOT_FOUND', `Cannot decode ${path}: ${(error as Error).message}`);
  }
}

export type FileResolver = ReturnType<typeof createFileResolver>;

/** The HTTP status of a file the resolver did not give: 403 refused, 404 missing, else `otherwise`. */
export function fileErrorStatus(code: ErrorCode, otherwise = 500): number {
  return code === 'FORBIDDEN' ? 403 : code === 'NOT_FOUND' ? 404 : otherwise;
}
