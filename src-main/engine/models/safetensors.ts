import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { ApiError } from '../../../src-shared/errors';
import { parseSafetensorsHeader, refuseSafetensors, safetensorsHeaderLength } from '../../../src-shared/safetensors-header';
import type { SafetensorsHeader, SafetensorsTensor } from '../../../src-shared/safetensors-header';

/**
 * A reader of safetensors files (Hugging Face's weight format, as timm publishes its weights): an
 * unsigned 64-bit little-endian header length N, N bytes of UTF-8 JSON naming each tensor's dtype,
 * shape and [begin, end) byte range in the data that follows, then the data. Everything a header
 * says is checked before a tensor is read, as the reference implementation checks it (safetensors'
 * `Metadata::validate`): known dtypes, byte ranges that match the shape, and ranges that tile
 * the data section exactly (no gap, no overlap, nothing past the end). A truncated or hostile file
 * is refused with what is wrong, before anything of its size is allocated. The header's rules live
 * in src-shared/safetensors-header.ts, which main's weights cache applies too.
 */

const floatDtypes = ['F32', 'F16', 'BF16'];

export interface SafetensorsFile extends SafetensorsHeader {
  /**
   * A tensor's values as float32, row-major in the file's (PyTorch's) layout: F32 as it is, F16
   * and BF16 converted exactly. Any other dtype is refused with the tensor's name.
   */
  float32(name: string): Float32Array;
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Every float16 bit pattern as float32, made once: 256 KB for an exact, branch-free conversion. */
let halfTable: Float32Array | null = null;
function halfToFloat(): Float32Array {
  if (halfTable) return halfTable;
  halfTable = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits += 1) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >> 10) & 0x1f;
    const fraction = bits & 0x3ff;
    halfTable[bits] =
      exponent === 0 ? sign * fraction * 2 ** -24 : exponent === 31 ? (fraction ? NaN : sign * Infinity) : sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
  }
  return halfTable;
}

/** The little-endian 16-bit words of `bytes` (copied, so any byte offset works). */
function words16(bytes: Uint8Array): Uint16Array {
  const words = new Uint16Array(bytes.byteLength / 2);
  if (littleEndian) new Uint8Array(words.buffer).set(bytes);
  else for (let i = 0; i < words.length; i += 1) words[i] = bytes[2 * i]! | (bytes[2 * i + 1]! << 8);
  return words;
}

function toFloat32(bytes: Uint8Array, dtype: string): Float32Array {
  if (dtype === 'F32') {
    const out = new Float32Array(bytes.byteLength / 4);
    if (littleEndian) new Uint8Array(out.buffer).set(bytes);
    else {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < out.length; i += 1) out[i] = view.getFloat32(4 * i, true);
    }
    return out;
  }
  const words = words16(bytes);
  if (dtype === 'F16') {
    const table = halfToFloat();
    const out = new Float32Array(words.length);
    for (let i = 0; i < words.length; i += 1) out[i] = table[words[i]!]!;
    return out;
  }
  // BF16 is the upper half of a float32: shifting its bits back up is exact (NaN payloads too).
  const out = new Uint32Array(words.length);
  for (let i = 0; i < words.length; i += 1) out[i] = words[i]! << 16;
  return new Float32Array(out.buffer);
}

function fileOf(metadata: Record<string, string>, tensors: Map<string, SafetensorsTensor>, data: Uint8Array, source: string): SafetensorsFile {
  return {
    metadata,
    tensors,
    float32(name: string): Float32Array {
      const tensor = tensors.get(name);
      if (!tensor) throw new ApiError('VALIDATION', `${source} has no tensor "${name}".`);
      if (!floatDtypes.includes(tensor.dtype)) {
        throw new ApiError(
          'VALIDATION',
          `Tensor "${name}" of ${source} is ${tensor.dtype}; SegBench reads weights stored as ${floatDtypes.join(', ')} (converted to float32).`,
        );
      }
      return toFloat32(data.subarray(tensor.begin, tensor.end), tensor.dtype);
    },
  };
}

/** A safetensors file held in memory. `source` names it in errors. */
export function parseSafetensors(bytes: Uint8Array, source = 'The weights'): SafetensorsFile {
  const length = safetensorsHeaderLength(bytes.subarray(0, 8), bytes.byteLength, source);
  const { metadata, tensors } = parseSafetensorsHeader(bytes.subarray(8, 8 + length), bytes.byteLength - 8 - length, source);
  return fileOf(metadata, tensors, bytes.subarray(8 + length), source);
}

/** Fills `target` from `position` on; one read may return less, and at most 2 GiB. */
async function readFully(handle: FileHandle, target: Uint8Array, position: number, path: string): Promise<void> {
  let done = 0;
  while (done < target.byteLength) {
    const { bytesRead } = await handle.read(target, done, Math.min(target.byteLength - done, 1 << 30), position + done);
    if (bytesRead === 0) refuseSafetensors(path, `it ended while being read (${done} of ${target.byteLength} bytes from byte ${position})`);
    done += bytesRead;
  }
}

/**
 * Reads a safetensors file: its header first, checked against the file's size, and only then its
 * data, so a file whose header lies costs no more than the header.
 */
export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new ApiError('VALIDATION', `Cannot open the weights file ${path}: ${(error as Error).message}.`);
  }
  try {
    const { size } = await handle.stat();
    const first8 = new Uint8Array(8);
    if (size >= 8) await readFully(handle, first8, 0, path);
    const length = safetensorsHeaderLength(first8, size, path);
    const header = new Uint8Array(length);
    await readFully(handle, header, 8, path);
    const { metadata, tensors } = parseSafetensorsHeader(header, size - 8 - length, path);
    const data = new Uint8Array(size - 8 - length);
    await readFully(handle, data, 8 + length, path);
    return fileOf(metadata, tensors, data, path);
  } finally {
    await handle.close();
  }
}
