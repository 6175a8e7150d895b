import sharp from 'sharp';

/** A decoded mask as one packed value per pixel (r<<16|g<<8|b for colour masks, the index otherwise). */
export interface MaskValues {
  width: number;
  height: number;
  values: Uint32Array;
  /** 3 for colour masks, 1 for index masks. */
  channels: 1 | 3;
  sixteenBit: boolean;
}

/**
 * Reads a mask as the indexer does: greyscale as indices (one channel, 8 or 16 bit), colour as
 * packed RGB. With `maxSide`, a larger mask is shrunk by nearest neighbour (values are never blended).
 */
export async function readMask(path: string, maxSide?: number): Promise<MaskValues> {
  const meta = await sharp(path).metadata();
  const grey = (meta.channels ?? 0) <= 2;
  const sixteenBit = grey && meta.depth === 'ushort';
  let decoder = sharp(path, { failOn: 'truncated' });
  const side = Math.max(meta.width ?? 0, meta.height ?? 0);
  if (maxSide && side > maxSide)
    decoder = decoder.resize({
      width: Math.max(1, Math.round(((meta.width ?? 0) * maxSide) / side)),
      height: Math.max(1, Math.round(((meta.height ?? 0) * maxSide) / side)),
      kernel: 'nearest',
      fit: 'fill',
    });
  const { data, info } = await (grey ? decoder.extractChannel(0) : decoder).raw(sixteenBit ? { depth: 'ushort' } : {}).toBuffer({ resolveWithObject: true });
  const pixels = info.width * info.height;
  const values = new Uint32Array(pixels);
  if (sixteenBit) {
    const words = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
    for (let p = 0; p < pixels; p += 1) values[p] = words[p]!;
  } else if (grey) {
    for (let p = 0; p < pixels; p += 1) values[p] = data[p]!;
  } else {
    const c = info.channels;
    for (let p = 0, i = 0; p < pixels; p += 1, i += c) values[p] = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
  }
  return { width: info.width, height: info.height, values, channels: grey ? 1 : 3, sixteenBit };
}
