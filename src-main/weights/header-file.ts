import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { extname } from 'node:path';
import { ApiError } from '../../src-shared/errors';
import { parseSafetensorsHeader, refuseSafetensors, safetensorsHeaderLength } from '../../src-shared/safetensors-header';
import type { SafetensorsHeader } from '../../src-shared/safetensors-header';

/** PyTorch's own formats, which SegBench does not read (a pickle can run code when loaded). */
const pickleExtensions = ['.pth', '.pt', '.bin', '.ckpt', '.tar'];

async function readAt(handle: FileHandle, length: number, position: number, path: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(bytes, done, length - done, position + done);
    if (bytesRead === 0) refuseSafetensors(path, `it ended while its header was read (${done} of ${length} bytes)`);
    done += bytesRead;
  }
  return bytes;
}

/**
 * A safetensors file's header, checked against the file's size with the engine's rules
 * (src-shared/safetensors-header.ts), reading the header only: a 100 MB file costs its first
 * kilobytes. A PyTorch pickle is refused by name.
 */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new ApiError('VALIDATION', `Cannot open ${path}: ${(error as Error).message}.`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ApiError('VALIDATION', `${path} is not a file.`);
    const length = safetensorsHeaderLength(stat.size >= 8 ? await readAt(handle, 8, 0, path) : new Uint8Array(8), stat.size, path);
    return parseSafetensorsHeader(await readAt(handle, length, 8, path), stat.size - 8 - length, path);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'VALIDATION' && pickleExtensions.includes(extname(path).toLowerCase())) {
      throw new ApiError(
        'VALIDATION',
        `${path} looks like a PyTorch pickle (${extname(path)}), which SegBench does not read: loading a pickle can run code. ` +
          `Use the repository's model.safetensors (timm's hub repositories have one), or convert it with ` +
          `safetensors.torch.save_file(torch.load(FILE, map_location="cpu", weights_only=True), "model.safetensors"). (${error.message})`,
      );
    }
    throw error;
  } finally {
    await handle.close();
  }
}
