import type { OutputFormat } from './formats';

const JPEG_START = Buffer.from([0xff, 0xd8]);
const JPEG_END = Buffer.from([0xff, 0xd9]);
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// The IEND chunk: zero length, its type and its fixed CRC.
const PNG_END = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);


const startsWith = (data: Buffer, prefix: Buffer) => data.length >= prefix.length && data.subarray(0, prefix.length).equals(prefix);
const endsWith = (data: Buffer, suffix: Buffer) => data.length >= suffix.length && data.subarray(data.length - suffix.length).equals(suffix);

/** RIFF's own length field: the file's length less the 8 bytes of the header. */
function wholeRiff(data: Buffer): boolean {
  return data.length >= 12 && data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP' && data.readUInt32LE(4) + 8 === data.length;
}

/** Skips a run of GIF data sub-blocks (each a length byte and that many bytes, ended by a zero length); -1 past the end. */
function afterSubBlocks(data: Buffer, offset: number): number {
  let at = offset;
  while (at < data.length) {
    const size = data[at] as number;
    at += 1 + size;
    if (size === 0) return at;
  }
  return -1;
}

/** A GIF's blocks (extensions and images, their sub-blocks) laid end to end up to its trailer, the last byte. */
function wholeGif(data: Buffer): boolean {
  if (data.length < 14 || data.toString('latin1', 0, 4) !== 'GIF8') return false;
  const colourTable = (flags: number) => (flags & 0x80 ? 3 * 2 ** ((flags & 0x07) + 1) : 0);
  let at = 13 + colourTable(data[10] as number);
  while (at > 0 && at < data.length) {
    const block = data[at];
    if (block === 0x3b) return at === data.length - 1;
    if (block === 0x21) at = afterSubBlocks(data, at + 2);
    else if (block === 0x2c && at + 10 <= data.length) at = afterSubBlocks(data, at + 10 + colourTable(data[at + 9] as number) + 1);
    else return false;
  }
  return false;
}

/** ISO base media boxes (AVIF) laid end to end cover the file exactly, starting with `ftyp`. */
function wholeBoxes(data: Buffer): boolean {
  if (data.length < 8 || data.toString('latin1', 4, 8) !== 'ftyp') return false;
  let offset = 0;
  while (offset + 8 <= data.length) {
    let size = data.readUInt32BE(offset);
    if (size === 1) {
      if (offset + 16 > data.length) return false;
      size = Number(data.readBigUInt64BE(offset + 8));
    } else if (size === 0) {
      return true;
    }
    if (size < 8) return false;
    offset += size;
  }
  return offset === data.length;
}

/**
 * Whether a derivative's bytes are a whole file of its format, checked from its framing
 * alone (a few bytes at each end, or the box lengths): a file cut short by a full disk or
 * emptied by a crash is never served as a hit.
 */
export function isWhole(data: Buffer, format: OutputFormat): boolean {
  switch (format) {
    case 'jpeg':
      return startsWith(data, JPEG_START) && endsWith(data, JPEG_END);
    case 'png':
      return startsWith(data, PNG_SIGNATURE) && endsWith(data, PNG_END);
    case 'webp':
      return wholeRiff(data);
    case 'avif':
      return wholeBoxes(data);
    case 'gif':
      return wholeGif(data);
  }
}
