import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ApiError } from '../../src-shared/errors';
import { findCatalogueWeights, isEncoderArchitecture } from './catalogue';
import type { EncoderArchitecture } from './catalogue';
import { checkEncoderKeys, identifyEncoder } from './encoder-keys';
import { readSafetensorsHeader } from './header-file';
import type { CachedWeights, WeightsCache } from './weights-cache';

/**
 * `weights import FILE [--name NAME]`: a safetensors file brought by hand (from a machine with a
 * network, or converted from PyTorch) into the cache. Its header is checked, and its tensors
 * against the named architecture's state_dict (or, without a name, against each one's to find
 * which it is), before anything is copied; the copy is checked again and hashed as it is written.
 * A name with a tag (`resnet34.tv_in1k`) records the repository it stands for; a bare
 * architecture records none, since the tag cannot be told from the tensors.
 */

interface ImportedWeights {
  weights: CachedWeights;
  alreadyCached: boolean;
}

function namedAs(name: string): { name: string; architecture: EncoderArchitecture; repo: string | null } {
  const bare = name.trim().toLowerCase();
  if (isEncoderArchitecture(bare)) return { name: bare, architecture: bare, repo: null };
  const found = findCatalogueWeights(name);
  return { name: found.name, architecture: found.architecture, repo: found.repo };
}

/** Copies `from` to `to`, returning the sha256 and size of what was written. */
async function copyHashing(from: string, to: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const handle = await open(to, 'w');
  try {
    for await (const chunk of createReadStream(from)) {
      const bytes = chunk as Buffer;
      await handle.write(bytes, 0, bytes.byteLength, size);
      hash.update(bytes);
      size += bytes.byteLength;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { sha256: hash.digest('hex'), size };
}

export async function importWeights(cache: WeightsCache, file: string, options: { name?: string } = {}): Promise<ImportedWeights> {
  const source = resolve(file);
  const header = await readSafetensorsHeader(source);
  const named = options.name ? namedAs(options.name) : null;
  const architecture = named ? named.architecture : identifyEncoder(header, source);
  checkEncoderKeys(header, architecture, source);
  const temp = await cache.tempPath('import');
  try {
    let copied: { sha256: string; size: number };
    try {
      copied = await copyHashing(source, temp);
    } catch (error) {
      throw new ApiError('STORAGE', `Cannot copy ${source} into ${cache.partialDir}: ${(error as Error).message}.`);
    }
    // What is stored is checked, not only what was read first (the file may have changed meanwhile).
    checkEncoderKeys(await readSafetensorsHeader(temp), architecture, source);
    if ((await stat(source)).size !== copied.size) throw new ApiError('VALIDATION', `${source} changed while it was copied; nothing was imported.`);
    return await cache.admit(temp, {
      name: named?.name ?? architecture,
      architecture,
      repo: named?.repo ?? null,
      revision: null,
      source: 'import',
      from: source,
      sha256: copied.sha256,
      size: copied.size,
    });
  } finally {
    await rm(temp, { force: true });
  }
}
