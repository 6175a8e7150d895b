import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApiError } from '../../../src-shared/errors';
import { parseSafetensors, readSafetensors } from '../../../src-main/engine/models/safetensors';
import { encodeSafetensors, headerAndData } from '../../helpers/safetensors';
import { tempDir } from '../../helpers/services';

const fixtureDir = join(process.cwd(), 'tests', 'fixtures', 'encoders');

const words = (...bits: number[]): Uint8Array => new Uint8Array(new Uint16Array(bits).buffer);
const floats = (...values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);

/** Equal element by element, -0 and NaN included. */
function assertSameFloats(actual: Float32Array, expected: number[], label: string): void {
  assert.equal(actual.length, expected.length, label);
  actual.forEach((v, i) => assert.ok(Object.is(v, Math.fround(expected[i]!)), `${label}[${i}]: ${v}, expected ${expected[i]}`));
}

/** A small valid file: F32, F16, BF16, an I64 scalar and an empty tensor. */
function sample(): Uint8Array {
  return encodeSafetensors([
    { name: 'f32', dtype: 'F32', shape: [3], bytes: floats(1, -2.5, 0.1) },
    // 1, -2.5, 65504 (largest), 2^-14 (smallest normal), 2^-24 (smallest subnormal), 3 * 2^-24, -0, inf, -inf, NaN
    { name: 'f16', dtype: 'F16', shape: [2, 5], bytes: words(0x3c00, 0xc100, 0x7bff, 0x0400, 0x0001, 0x0003, 0x8000, 0x7c00, 0xfc00, 0x7e00) },
    // 1, -2.5, largest finite, smallest subnormal (2^-133), 1 + 2^-7, -0, inf, NaN
    { name: 'bf16', dtype: 'BF16', shape: [8], bytes: words(0x3f80, 0xc020, 0x7f7f, 0x0001, 0x3f81, 0x8000, 0x7f80, 0x7fc0) },
    { name: 'bn1.num_batches_tracked', dtype: 'I64', shape: [], bytes: new Uint8Array(8) },
    { name: 'empty', dtype: 'F32', shape: [0, 4], bytes: new Uint8Array(0) },
  ]);
}

test('F32, F16 and BF16 tensors read as float32 exactly: normals, subnormals, -0, infinities and NaN', () => {
  const file = parseSafetensors(sample(), 'sample.safetensors');
  assert.deepEqual(file.metadata, { format: 'pt' });
  assert.deepEqual([...file.tensors.keys()], ['f32', 'f16', 'bf16', 'bn1.num_batches_tracked', 'empty']);
  assert.deepEqual(file.tensors.get('f16')!.shape, [2, 5]);
  assertSameFloats(file.float32('f32'), [1, -2.5, 0.1], 'f32');
  assertSameFloats(file.float32('f16'), [1, -2.5, 65504, 2 ** -14, 2 ** -24, 3 * 2 ** -24, -0, Infinity, -Infinity, NaN], 'f16');
  assertSameFloats(file.float32('bf16'), [1, -2.5, (2 - 2 ** -7) * 2 ** 127, 2 ** -133, 1 + 2 ** -7, -0, Infinity, NaN], 'bf16');
  assertSameFloats(file.float32('empty'), [], 'empty');
  assert.throws(() => file.float32('bn1.num_batches_tracked'), {
    code: 'VALIDATION',
    message: 'Tensor "bn1.num_batches_tracked" of sample.safetensors is I64; SegBench reads weights stored as F32, F16, BF16 (converted to float32).',
  });
  assert.throws(() => file.float32('fc.weight'), { message: 'sample.safetensors has no tensor "fc.weight".' });
});

test("a file written by the fixture's Python (numpy's float16, torch's bfloat16) reads as their float32 values, bit for bit", async () => {
  const expected = JSON.parse(readFileSync(join(fixtureDir, 'resnet.json'), 'utf8')) as { dtypes: { file: string; float32Bits: Record<string, number[]> } };
  const path = join(fixtureDir, expected.dtypes.file);
  const file = await readSafetensors(path);
  assert.deepEqual(file.metadata, { format: 'pt' });
  for (const [name, bits] of Object.entries(expected.dtypes.float32Bits)) {
    assert.deepEqual([...new Uint32Array(file.float32(name).buffer)], bits, name);
  }
  assert.deepEqual(file.tensors.get('num_batches_tracked')!.shape, []);
  assert.throws(() => file.float32('num_batches_tracked'), { message: /is I64; SegBench reads weights stored as F32, F16, BF16/ });
});

test('every truncation of a valid file is refused with a message, in memory and on disk', async () => {
  const bytes = sample();
  for (let length = 0; length < bytes.length; length += 1) {
    assert.throws(
      () => parseSafetensors(bytes.subarray(0, length), 'cut.safetensors'),
      (error: unknown) => {
        assert.ok(error instanceof ApiError && error.code === 'VALIDATION', `length ${length}: ${String(error)}`);
        assert.match(error.message, /^cut\.safetensors is not a readable safetensors file: /);
        return true;
      },
    );
  }
  const path = join(tempDir(), 'cut.safetensors');
  writeFileSync(path, bytes.subarray(0, bytes.length - 3));
  await assert.rejects(readSafetensors(path), {
    code: 'VALIDATION',
    message: `${path} is not a readable safetensors file: its tensors need 56 bytes of data, but the file holds 53 after the header (a truncated file).`,
  });
  writeFileSync(path, bytes.subarray(0, 5));
  await assert.rejects(readSafetensors(path), {
    message: `${path} is not a readable safetensors file: it has 5 bytes, fewer than the 8 of the header length it starts with.`,
  });
  await assert.rejects(readSafetensors(join(tempDir(), 'absent.safetensors')), {
    code: 'VALIDATION',
    message: /^Cannot open the weights file .*absent\.safetensors: ENOENT/,
  });
});

test('headers that lie are refused before anything of their claimed size is read or allocated', () => {
  const json = (header: unknown): Uint8Array => Buffer.from(JSON.stringify(header));
  const entry = (dtype: string, shape: number[], begin: number, end: number) => ({ dtype, shape, data_offsets: [begin, end] });
  const data = new Uint8Array(16);
  const cases: [string, Uint8Array, string][] = [
    [
      'a header length of 2^63',
      headerAndData(json({}), [], 2n ** 63n),
      'its header length says 9223372036854775808 bytes, but only 2 follow (a truncated file, or not safetensors)',
    ],
    ['a header length past the end', headerAndData(json({}), [data], 100n), 'its header length says 100 bytes, but only 18 follow'],
    ['a header that is not JSON', headerAndData(Buffer.from('{"a": '), []), 'its header is not UTF-8 JSON'],
    [
      'a header that is not UTF-8',
      headerAndData(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), []),
      'its header is not UTF-8 JSON (The encoded data was not valid for encoding utf-8)',
    ],
    ['a JSON array', headerAndData(json([1, 2]), []), 'its header is not UTF-8 JSON (it does not start with "{")'],
    ['an entry without offsets', headerAndData(json({ w: { dtype: 'F32', shape: [4] } }), [data]), 'its header entry "w" is not {dtype, shape, data_offsets}'],
    ['negative offsets', headerAndData(json({ w: entry('F32', [4], -16, 0) }), [data]), 'its header entry "w" is not {dtype, shape, data_offsets}'],
    [
      'an unknown dtype',
      headerAndData(json({ w: entry('F4X', [4], 0, 16) }), [data]),
      'tensor "w" has dtype F4X, which the format does not define (known: BOOL, U8, I8,',
    ],
    ['an end before the beginning', headerAndData(json({ w: entry('F32', [0], 16, 8) }), [data]), 'tensor "w" ends (byte 8) before it begins (byte 16)'],
    [
      'offsets that disagree with the shape',
      headerAndData(json({ w: entry('F32', [3], 0, 16) }), [data]),
      'tensor "w" is F32 [3], 12 bytes, but its data_offsets [0, 16] hold 16',
    ],
    [
      'a shape of 10^18 elements',
      headerAndData(json({ w: entry('F32', [1e9, 1e9], 0, 16) }), [data]),
      'tensor "w" is F32 [1000000000, 1000000000], 4000000000000000000 bytes, but its data_offsets [0, 16] hold 16',
    ],
    [
      'offsets past the data',
      headerAndData(json({ w: entry('F32', [250], 0, 1000) }), [data]),
      'its tensors need 1000 bytes of data, but the file holds 16 after the header (a truncated file)',
    ],
    [
      'overlapping tensors',
      headerAndData(json({ a: entry('F32', [2], 0, 8), b: entry('F32', [2], 4, 12) }), [data]),
      'tensor "b" overlaps the tensor before it (it begins at byte 4, before 8)',
    ],
    [
      'a gap between tensors',
      headerAndData(json({ a: entry('F32', [1], 0, 4), b: entry('F32', [2], 8, 16) }), [data]),
      'there is a gap in the data before tensor "b" (bytes 4 to 8)',
    ],
    ['bytes that belong to no tensor', headerAndData(json({ a: entry('F32', [2], 0, 8) }), [data]), '8 bytes after its last tensor belong to none'],
    ['metadata that is not strings', headerAndData(json({ __metadata__: { epochs: 3 } }), []), 'its __metadata__ is not a map of strings to strings'],
  ];
  for (const [label, bytes, message] of cases) {
    assert.throws(
      () => parseSafetensors(bytes, 'bad.safetensors'),
      (error: unknown) => {
        assert.ok(error instanceof ApiError && error.code === 'VALIDATION', `${label}: ${String(error)}`);
        assert.ok(error.message.startsWith(`bad.safetensors is not a readable safetensors file: ${message}`), `${label}: ${error.message}`);
        return true;
      },
    );
  }
});

test('any one byte of a valid file changed gives a file that reads or a VALIDATION error, never another failure', () => {
  const bytes = sample();
  for (let at = 0; at < bytes.length; at += 1) {
    for (const value of [0x00, 0x22, 0x2c, 0x39, 0x7b, 0xff]) {
      const changed = bytes.slice();
      changed[at] = value;
      try {
        const file = parseSafetensors(changed);
        for (const [name, tensor] of file.tensors) if (['F32', 'F16', 'BF16'].includes(tensor.dtype)) file.float32(name);
      } catch (error) {
        assert.ok(error instanceof ApiError && error.code === 'VALIDATION', `byte ${at} = ${value}: ${String(error)}`);
      }
    }
  }
});
