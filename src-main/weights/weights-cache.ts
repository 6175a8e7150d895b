import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../../src-shared/errors';
import { parseStored } from '../../src-shared/stored';
import { z } from '../../src-shared/zod';
import { pidAlive } from '../jobs/ownership';
import { encoderArchitectures } from './catalogue';

/**
 * The pretrained weights on this machine: `<dataDir>/weights/<architecture>/<sha256>.safetensors`,
 * each beside `<sha256>.json` saying what it is and where it came from. A file is named by its
 * content, so a pull and an import of the same bytes are one entry, and a sidecar is written only
 * once its file is in place (renamed from `.partial/` on the same disk): a file enters the cache
 * whole and checked, or not at all. Sidecars rather than one index file, so two processes adding
 * weights at once cannot lose each other's entry.
 */

const sha256Pattern = /^[0-9a-f]{64}$/;

const sidecarSchema = z.object({
  /** `resnet34.a1_in1k` (a catalogue name), or the architecture alone when the tag is not known. */
  name: z.string(),
  architecture: z.enum(encoderArchitectures),
  /** The hub repository it came from or, for an import, the one it was imported as; null when not said. */
  repo: z.string().nullable(),
  /** The hub's commit of the repository when pulled. */
  revision: z.string().nullable(),
  source: z.enum(['hub', 'import']),
  /** The URL pulled, or the path imported. */
  from: z.string(),
  sha256: z.string().regex(sha256Pattern),
  size: z.number().int().min(0),
  addedAt: z.string(),
});

type WeightsRecord = z.output<typeof sidecarSchema>;
type NewWeights = Omit<WeightsRecord, 'addedAt'>;

export interface CachedWeights extends WeightsRecord {
  /** The safetensors file. */
  path: string;
}

export class WeightsCache {
  readonly root: string;
  /** Downloads under way (`<sha256>.part`), their locks, and imports being copied. */
  readonly partialDir: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'weights');
    this.partialDir = join(this.root, '.partial');
  }

  private fileOf(architecture: string, sha256: string): string {
    return join(this.root, architecture, `${sha256}.safetensors`);
  }

  partPath(sha256: string): string {
    return join(this.partialDir, `${sha256}.part`);
  }

  /** A new file name in `.partial/` for a copy under way. */
  async tempPath(label: string): Promise<string> {
    await mkdir(this.partialDir, { recursive: true });
    return join(this.partialDir, `${label}-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  }

  /** Every cached file whose sidecar reads and whose size is right; the sidecars that do not read, by path. */
  async list(): Promise<{ weights: CachedWeights[]; unreadable: string[] }> {
    const weights: CachedWeights[] = [];
    const unreadable: string[] = [];
    for (const architecture of encoderArchitectures) {
      const dir = join(this.root, architecture);
      const names = await readdir(dir).catch(() => [] as string[]);
      for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
        const sidecar = join(dir, name);
        try {
          const record = parseStored(sidecarSchema, await readFile(sidecar, 'utf8'), `The weights record ${sidecar}`);
          const path = this.fileOf(record.architecture, record.sha256);
          const size = (await stat(path).catch(() => null))?.size;
          if (size === record.size) weights.push({ ...record, path });
          else unreadable.push(`${sidecar} (its file ${size === undefined ? 'is missing' : `has ${size} bytes, not ${record.size}`})`);
        } catch (error) {
          unreadable.push(`${sidecar} (${(error as Error).message})`);
        }
      }
    }
    weights.sort((a, b) => a.name.localeCompare(b.name) || a.addedAt.localeCompare(b.addedAt));
    return { weights, unreadable };
  }

  async findBySha256(sha256: string): Promise<CachedWeights | null> {
    return (await this.list()).weights.find((w) => w.sha256 === sha256) ?? null;
  }

  /** The newest file cached as `name` or from `repo`. */
  async findByName(name: string, repo: string): Promise<CachedWeights | null> {
    const matching = (await this.list()).weights.filter((w) => w.name === name || w.repo === repo);
    return matching.sort((a, b) => b.addedAt.localeCompare(a.addedAt))[0] ?? null;
  }

  /**
   * Moves a checked file (in `.partial/`) into the cache under its sha256 and writes its sidecar.
   * Bytes already cached stay as they are, with their first record.
   */
  async admit(file: string, record: NewWeights): Promise<{ weights: CachedWeights; alreadyCached: boolean }> {
    const existing = await this.findBySha256(record.sha256);
    if (existing) {
      await rm(file, { force: true });
      return { weights: existing, alreadyCached: true };
    }
    const path = this.fileOf(record.architecture, record.sha256);
    const stored: WeightsRecord = { ...record, addedAt: new Date().toISOString() };
    try {
      await mkdir(join(this.root, record.architecture), { recursive: true });
      await rename(file, path);
      const sidecar = path.replace(/\.safetensors$/, '.json');
      const temp = `${sidecar}.${process.pid}.tmp`;
      await writeFile(temp, `${JSON.stringify(stored, null, 2)}\n`);
      await rename(temp, sidecar);
    } catch (error) {
      throw new ApiError('STORAGE', `Cannot store the weights in ${this.root}: ${(error as Error).message}.`);
    }
    return { weights: { ...stored, path }, alreadyCached: false };
  }

  /**
   * Takes `.partial/<key>.lock` for this process, so two pulls of one file never write one `.part`.
   * A lock whose process is gone (on this host) is taken over.
   */
  async lock(key: string): Promise<() => Promise<void>> {
    await mkdir(this.partialDir, { recursive: true });
    const path = join(this.partialDir, `${key}.lock`);
    const me = JSON.stringify({ pid: process.pid, host: hostname() });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        const handle = await open(path, 'wx');
        await handle.writeFile(me);
        await handle.close();
        return () => rm(path, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new ApiError('STORAGE', `Cannot write ${path}: ${(error as Error).message}.`);
        const holder = await readLockHolder(path);
        if (holder === 'fresh' || (holder && (holder.host !== hostname() || pidAlive(holder.pid)))) {
          const who = holder === 'fresh' ? 'Another SegBench process' : `Another SegBench process (pid ${holder.pid} on ${holder.host})`;
          throw new ApiError(
            'CONFLICT',
            `${who} is downloading this file into ${this.partialDir}; wait for it to finish, or stop it and run this again (or delete ${path} if no process is downloading it).`,
          );
        }
        await rm(path, { force: true });
      }
    }
    throw new ApiError('CONFLICT', `Cannot take the lock ${path}; another process keeps taking it.`);
  }
}

const lockHolderSchema = z.object({ pid: z.number().int(), host: z.string() });

/** Who holds a lock file; 'fresh' when it cannot be read yet (just created); null when it is stale. */
async function readLockHolder(path: string): Promise<z.output<typeof lockHolderSchema> | 'fresh' | null> {
  let text: string;
  let modified: number;
  try {
    [text, modified] = await Promise.all([readFile(path, 'utf8'), stat(path).then((info) => info.mtimeMs)]);
  } catch {
    return null; // gone: the next attempt takes it
  }
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // written in part, or not at all yet
  }
  const holder = lockHolderSchema.safeParse(json);
  if (holder.success) return holder.data;
  return Date.now() - modified < 10_000 ? 'fresh' : null;
}
