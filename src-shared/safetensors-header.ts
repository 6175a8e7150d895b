import { ApiError } from './errors';
import { describeIssues } from './request-errors';
import { z } from './zod';

/**
 * The header of a safetensors file (Hugging Face's weight format, as timm publishes its weights):
 * an unsigned 64-bit little-endian header length N, N bytes of UTF-8 JSON naming each tensor's
 * dtype, shape and [begin, end) byte range in the data that follows, then the data. Everything a
 * header says is checked against the file's size before a tensor is read, as the reference
 * implementation checks it (safetensors' `Metadata::validate`): known dtypes, byte ranges that
 * match the shape, and ranges that tile the data section exactly (no gap, no overlap, nothing past
 * the end). Pure, so the engine (which reads the tensors) and main (which checks a file before it
 * enters the weights cache, reading only its header) apply the same rules with the same words.
 */

/** Bytes per element of every dtype the format names (sub-byte ones are refused as unknown). */
const dtypeBytes: Readonly<Record<string, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  F8_E8M0: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
};

/** The reference implementation refuses headers above 100 MB; so does SegBench. */
const maxHeaderBytes = 100_000_000;

const entrySchema = z.object({
  dtype: z.string(),
  shape: z.array(z.number().int().min(0)),
  data_offsets: z.tuple([z.number().int().min(0), z.number().int().min(0)]),
});

export interface SafetensorsTensor {
  name: string;
  dtype: string;
  shape: number[];
  /** Byte range in the data section, checked against the shape and the file. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** The header's `__metadata__` (string to string), empty when absent. */
  metadata: Record<string, string>;
  /** Every tensor by name, in the order of their bytes in the file. */
  tensors: Map<string, SafetensorsTensor>;
}

export function refuseSafetensors(source: string, problem: string): never {
  throw new ApiError('VALIDATION', `${source} is not a readable safetensors file: ${problem}.`);
}

/** The header length from the file's first 8 bytes, checked against the file's size. */
export function safetensorsHeaderLength(first8: Uint8Array, fileBytes: number, source: string): number {
  if (fileBytes < 8) refuseSafetensors(source, `it has ${fileBytes} bytes, fewer than the 8 of the header length it starts with`);
  const length = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(fileBytes - 8))
    refuseSafetensors(source, `its header length says ${length} bytes, but only ${fileBytes - 8} follow (a truncated file, or not safetensors)`);
  if (length > BigInt(maxHeaderBytes)) refuseSafetensors(source, `its header length says ${length} bytes, above the format's limit of ${maxHeaderBytes}`);
  if (length < 2n) refuseSafetensors(source, `its header length says ${length} bytes, too short for a JSON object`);
  return Number(length);
}

/** Parses and checks the JSON header against the size of the data section that follows it. */
export function parseSafetensorsHeader(headerBytes: Uint8Array, dataBytes: number, source: string): SafetensorsHeader {
  // A declared type, so that TypeScript narrows after each call (an arrow's inferred type does not).
  const refuse: (problem: string) => never = (problem) => refuseSafetensors(source, problem);
  let json: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
    if (!text.startsWith('{')) throw new Error('it does not start with "{"');
    json = JSON.parse(text);
  } catch (error) {
    refuse(`its header is not UTF-8 JSON (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) refuse('its header is not a JSON object');
  const { __metadata__: rawMetadata, ...rawTensors } = json as Record<string, unknown>;
  const metadata = z.record(z.string(), z.string()).optional().safeParse(rawMetadata);
  if (!metadata.success) refuse(`its __metadata__ is not a map of strings to strings (${describeIssues(metadata.error.issues, rawMetadata)})`);
  const tensors: SafetensorsTensor[] = [];
  for (const [name, raw] of Object.entries(rawTensors)) {
    const parsed = entrySchema.safeParse(raw);
    if (!parsed.success) refuse(`its header entry "${name}" is not {dtype, shape, data_offsets} (${describeIssues(parsed.error.issues, raw)})`);
    const {
      dtype,
      shape,
      data_offsets: [begin, end],
    } = parsed.data;
    const size = dtypeBytes[dtype];
    if (size === undefined) refuse(`tensor "${name}" has dtype ${dtype}, which the format does not define (known: ${Object.keys(dtypeBytes).join(', ')})`);
    if (end < begin) refuse(`tensor "${name}" ends (byte ${end}) before it begins (byte ${begin})`);
    // Shapes are checked in floating point: a product past 2^53 can only differ from end - begin.
    const expected = shape.reduce((product, dim) => product * dim, 1) * size;
    if (expected !== end - begin)
      refuse(`tensor "${name}" is ${dtype} [${shape.join(', ')}], ${expected} bytes, but its data_offsets [${begin}, ${end}] hold ${end - begin}`);
    tensors.push({ name, dtype, shape, begin, end });
  }
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const tensor of tensors) {
    if (tensor.begin !== covered) {
      refuse(
        tensor.begin < covered
          ? `tensor "${tensor.name}" overlaps the tensor before it (it begins at byte ${tensor.begin}, before ${covered})`
          : `there is a gap in the data before tensor "${tensor.name}" (bytes ${covered} to ${tensor.begin})`,
      );
    }
    covered = tensor.end;
  }
  if (covered !== dataBytes) {
    refuse(
      covered > dataBytes
        ? `its tensors need ${covered} bytes of data, but the file holds ${dataBytes} after the header (a truncated file)`
        : `${dataBytes - covered} bytes after its last tensor belong to none`,
    );
  }
  return { metadata: metadata.data ?? {}, tensors: new Map(tensors.map((t) => [t.name, t])) };
}
