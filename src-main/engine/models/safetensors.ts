import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { ApiError } from '../../../src-shared/errors';
import { describeIssues } from '../../../src-shared/request-errors';
import { z } from '../../../src-shared/zod';

/**
 * A reader of safetensors files (Hugging Face's weight format, as timm publishes its weights): an
 * unsigned 64-bit little-endian header length N, N bytes of UTF-8 JSON naming each tensor's dtype,
 * shape and [begin, end) byte range in the data that follows, then the data. Everything a header
 * says is checked before a tensor is read, as the reference implementation checks it (safetensors'
 * `Metadata::validate`): known dtypes, byte ranges that match the shape, and ranges that tile
 * the data section exactly (no gap, no overlap, nothing past the end). A truncated or hostile file
 * is refused with what is wrong, before anything of its size is allocated.
 */

/** Bytes per element of every dtype the format names (sub-byte ones are refused as unknown). */
const dtypeBytes: Readonly<Record<string, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, F8_E8M0: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8,
};
const floatDtypes = ['F32', 'F16', 'BF16'];

/** The reference implementation refuses headers above 100 MB; so does SegBench. */
const maxHeaderBytes = 100_000_000;

const entrySchema = z.object({
  dtype: z.string(),
  shape: z.array(z.number().int().min(0)),
  data_offsets: z.tuple([z.number().int().min(0), z.number().int().min(0)]),
});

interface SafetensorsTensor {
  name: string;
  dtype: string;
  shape: number[];
  /** Byte range in the data section, checked against the shape and the file. */
  begin: number;
  end: number;
}

export interface SafetensorsFile {
  /** The header's `__metadata__` (string to string), empty when absent. */
  metadata: Record<string, string>;
  /** Every tensor by name, in the order of their bytes in the file. */
  tensors: Map<string, SafetensorsTensor>;
  /**
   * A tensor's values as float32, row-major in the file's (PyTorch's) layout: F32 as it is, F16
   * and BF16 converted exactly. Any other dtype is refused with the tensor's name.
   */
  float32(name: string): Float32Array;
}

function refuse(source: string, problem: string): never {
  throw new ApiError('VALIDATION', `${source} is not a readable safetensors file: ${problem}.`);
}

/** The header length from the file's first 8 bytes, checked against the file's size. */
function headerLength(first8: Uint8Array, fileBytes: number, source: string): number {
  if (fileBytes < 8) refuse(source, `it has ${fileBytes} bytes, fewer than the 8 of the header length it starts with`);
  const length = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(fileBytes - 8)) refuse(source, `its header length says ${length} bytes, but only ${fileBytes - 8} follow (a truncated file, or not safetensors)`);
  if (length > BigInt(maxHeaderBytes)) refuse(source, `its header length says ${length} bytes, above the format's limit of ${maxHeaderBytes}`);
  if (length < 2n) refuse(source, `its header length says ${length} bytes, too short for a JSON object`);
  return Number(length);
}

/** Parses and checks the JSON header against the size of the data section that follows it. */
function parseHeader(headerBytes: Uint8Array, dataBytes: number, source: string): { metadata: Record<string, string>; tensors: Map<string, SafetensorsTensor> } {
  let json: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
    if (!text.startsWith('{')) throw new Error('it does not start with "{"');
    json = JSON.parse(text);
  } catch (error) {
    refuse(source, `its header is not UTF-8 JSON (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) refuse(source, 'its header is not a JSON object');
  const { __metadata__: rawMetadata, ...rawTensors } = json as Record<string, unknown>;
  const metadata = z.record(z.string(), z.string()).optional().safeParse(rawMetadata);
  if (!metadata.success) refuse(source, `its __metadata__ is not a map of strings to strings (${describeIssues(metadata.error.issues, rawMetadata)})`);
  const tensors: SafetensorsTensor[] = [];
  for (const [name, raw] of Object.entries(rawTensors)) {
    const parsed = entrySchema.safeParse(raw);
    if (!parsed.success) refuse(source, `its header entry "${name}" is not {dtype, shape, data_offsets} (${describeIssues(parsed.error.issues, raw)})`);
    const { dtype, shape, data_offsets: [begin, end] } = parsed.data;
    const size = dtypeBytes[dtype];
    if (size === undefined) refuse(source, `tensor "${name}" has dtype ${dtype}, which the format does not define (known: ${Object.keys(dtypeBytes).join(', ')})`);
    if (end < begin) refuse(source, `tensor "${name}" ends (byte ${end}) before it begins (byte ${begin})`);
    // Shapes are checked in floating point: a product past 2^53 can only differ from end - begin.
    const expected = shape.reduce((product, dim) => product * dim, 1) * size;
    if (expected !== end - begin) refuse(source, `tensor "${name}" is ${dtype} [${shape.join(', ')}], ${expected} bytes, but its data_offsets [${begin}, ${end}] hold ${end - begin}`);
    tensors.push({ name, dtype, shape, begin, end });
  }
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const tensor of tensors) {
    if (tensor.begin !== covered) {
      refuse(source, tensor.begin < covered ? `tensor "${tensor.name}" overlaps the tensor before it (it begins at byte ${tensor.begin}, before ${covered})` : `there is a gap in the data before tensor "${tensor.name}" (bytes ${covered} to ${tensor.begin})`);
    }
    covered = tensor.end;
  }
  if (covered !== dataBytes) {
    refuse(source, covered > dataBytes ? `its tensors need ${covered} bytes of data, but the file holds ${dataBytes} after the header (a truncated file)` : `${dataBytes - covered} bytes after its last tensor belong to none`);
  }
  return { metadata: metadata.data ?? {}, tensors: new Map(tensors.map((t) => [t.name, t])) };
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
        throw new ApiError('VALIDATION', `Tensor "${name}" of ${source} is ${tensor.dtype}; SegBench reads weights stored as ${floatDtypes.join(', ')} (converted to float32).`);
      }
      return toFloat32(data.subarray(tensor.begin, tensor.end), tensor.dtype);
    },
  };
}

/** A safetensors file held in memory. `source` names it in errors. */
export function parseSafetensors(bytes: Uint8Array, source = 'The weights'): SafetensorsFile {
  const length = headerLength(bytes.subarray(0, 8), bytes.byteLength, source);
  const { metadata, tensors } = parseHeader(bytes.subarray(8, 8 + length), bytes.byteLength - 8 - length, source);
  return fileOf(metadata, tensors, bytes.subarray(8 + length), source);
}

/** Fills `target` from `position` on; one read may return less, and at most 2 GiB. */
async function readFully(handle: FileHandle, target: Uint8Array, position: number, path: string): Promise<void> {
  let done = 0;
  while (done < target.byteLength) {
    const { bytesRead } = await handle.read(target, done, Math.min(target.byteLength - done, 1 << 30), position + done);
    if (bytesRead === 0) refuse(path, `it ended while being read (${done} of ${target.byteLength} bytes from byte ${position})`);
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
    const length = headerLength(first8, size, path);
    const header = new Uint8Array(length);
    await readFully(handle, header, 8, path);
    const { metadata, tensors } = parseHeader(header, size - 8 - length, path);
    const data = new Uint8Array(size - 8 - length);
    await readFully(handle, data, 8 + length, path);
    return fileOf(metadata, tensors, data, path);
  } finally {
    await handle.close();
  }
}
