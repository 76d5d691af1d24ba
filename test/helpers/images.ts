import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

export interface SourceOptions {
  width: number;
  height: number;
  format?: 'jpeg' | 'png' | 'webp' | 'avif' | 'gif';
  /** Adds a half-transparent alpha channel. */
  alpha?: boolean;
  /** EXIF orientation tag (1-8), stored but not applied to the pixels. */
  orientation?: number;
  /** Background colour, so tests can tell sources apart by their pixels. */
  colour?: { r: number; g: number; b: number };
}

/** Writes a real image file made with sharp and returns its absolute path. */
export async function makeSource(dir: string, relative: string, options: SourceOptions): Promise<string> {
  const file = path.join(dir, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  const colour = options.colour ?? { r: 40, g: 120, b: 200 };
  let image = sharp({
    create: {
      width: options.width,
      height: options.height,
      channels: options.alpha ? 4 : 3,
      background: options.alpha ? { ...colour, alpha: 0.5 } : colour,
    },
  });
  const format = options.format ?? 'jpeg';
  image = image.toFormat(format);
  if (options.orientation) image = image.withMetadata({ orientation: options.orientation });
  writeFileSync(file, await image.toBuffer());
  return file;
}

/** Reads what a response body really is. */
export async function inspect(data: Buffer | ArrayBuffer) {
  const meta = await sharp(Buffer.isBuffer(data) ? data : Buffer.from(data)).metadata();
  return { format: meta.format, width: meta.width, height: meta.height, hasAlpha: meta.hasAlpha };
}

/** The mean colour of an image, to tell which source answered. */
export async function meanColour(data: Buffer) {
  const { channels } = await sharp(data).stats();
  const [r, g, b] = channels.map((c) => Math.round(c.mean));
  return { r, g, b };
}

/** A PNG whose header claims `width`x`height` but carries almost no data: a decompression bomb's shape. */
export function pngHeaderOnly(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const byte of bytes) c = (crcTable[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([length, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export function writeFile(dir: string, relative: string, data: Buffer | string): string {
  const file = path.join(dir, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, data);
  return file;
}
