import type { JobParams, JobResult } from '../../../src-shared/job-kinds';
import { constants } from 'node:fs';
import { copyFile, link, mkdir, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { JobContext } from '../job-context';
import { throwIfCancelled } from '../job-context';

/**
 * The `export` job: copies each image and the mask in effect (corrected or original) into a new
 * folder, then writes the manifest. Copies never overwrite (COPYFILE_EXCL), so an export can
 * never clobber a user's files, and the sources are only read.
 */
export async function runExportJob(params: JobParams<'export'>, context: JobContext): Promise<JobResult<'export'>> {
  const made = new Set<string>();
  for (const [i, file] of params.files.entries()) {
    throwIfCancelled(context.signal);
    const folder = dirname(file.to);
    if (!made.has(folder)) {
      await mkdir(folder, { recursive: true });
      made.add(folder);
    }
    await copyFile(file.from, file.to, constants.COPYFILE_EXCL);
    if (i % 8 === 7 || i === params.files.length - 1) context.progress(i + 1, params.files.length, `copied ${i + 1} of ${params.files.length} files`);
  }
  // The manifest marks a finished export: it appears whole (written aside, then linked in, which
  // like 'wx' never replaces an existing file), so nobody reads half of it.
  const temp = `${params.manifestPath}.tmp-${process.pid}`;
  await writeFile(temp, params.manifest, { flag: 'wx' });
  try {
    await link(temp, params.manifestPath);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  return { copied: params.files.length, dir: params.dir };
}
