/**
 * A safetensors writer for tests (the format: u64 little-endian header length, the JSON header
 * padded with spaces to 8 bytes as Hugging Face's writer pads it, then the tensors' bytes in order),
 * and float32 -> float16 / bfloat16 rounding as PyTorch rounds (to nearest, ties to even).
 */

export interface TensorBytes {
  name: string;
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

export function encodeSafetensors(tensors: TensorBytes[], metadata: Record<string, string> = { format: 'pt' }): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.byteLength] };
    offset += t.bytes.byteLength;
  }
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - (Buffer.byteLength(text) % 8)) % 8);
  return headerAndData(
    Buffer.from(text, 'utf8'),
    tensors.map((t) => t.bytes),
  );
}

/** The file's bytes from a header given as is (for headers that lie) and data. */
export function headerAndData(header: Uint8Array, data: Uint8Array[], claimedLength: bigint = BigInt(header.byteLength)): Uint8Array {
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(claimedLength);
  return new Uint8Array(Buffer.concat([length, header, ...data]));
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Rounds to nearest, ties to even, `bits` (an integer) dropped by `shift` bits. */
function roundShift(bits: number, shift: number): number {
  const kept = Math.floor(bits / 2 ** shift);
  const rest = bits - kept * 2 ** shift;
  const half = 2 ** (shift - 1);
  return rest > half || (rest === half && kept % 2 === 1) ? kept + 1 : kept;
}

/** float32 -> IEEE half bits, round to nearest even, overflow to infinity, subnormals kept. */
function halfBits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half: the value in units of 2^-24, rounded (a carry into 0x400 is the smallest normal).
    if (exponent === 0) return sign; // float32 subnormals are far below half's smallest step
    return sign | roundShift(mantissa | 0x800000, 14 - e);
  }
  // A carry out of the mantissa increments the exponent, and past 30 gives infinity (0x7c00): both by addition.
  return sign | Math.min(0x7c00, (e << 10) + roundShift(mantissa, 13));
}

/** float32 -> bfloat16 bits (the upper half), round to nearest even; NaN stays NaN. */
function bfloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  if ((x & 0x7fffffff) > 0x7f800000) return (x >>> 16) | 0x40;
  return roundShift(x, 16) & 0xffff;
}

/** Values as the bytes of a dtype: F32, or F16 and BF16 rounded as PyTorch rounds. */
export function floatBytes(values: Float32Array, dtype: 'F32' | 'F16' | 'BF16'): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const words = new Uint16Array(values.length);
  const round = dtype === 'F16' ? halfBits : bfloat16Bits;
  for (let i = 0; i < values.length; i += 1) words[i] = round(values[i]!);
  return new Uint8Array(words.buffer);
}
