// The source set: photographs of 12 MP and 2.5 MP and a PNG with alpha, plus hard links
// to them under distinct names, so every miss renders the same work as a new variant.
const fs = require('node:fs');
const path = require('node:path');
const sharp = require('sharp');
const { photo } = require('../scripts/photo');

const COPIES = 400;

/** A translucent PNG: the photograph under an alpha gradient. */
async function translucent(width, height) {
  const gradient = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><radialGradient id="g"><stop offset="0" stop-color="#fff"/><stop offset="1" stop-color="#000"/></radialGradient></defs><rect width="100%" height="100%" fill="url(#g)"/></svg>`;
  const alpha = await sharp(Buffer.from(gradient))
    .extractChannel(0)
    .raw()
    .toBuffer();
  return photo(width, height, 11).joinChannel(alpha, { raw: { width, height, channels: 1 } }).png();
}

/** An animated GIF: `frames` frames of a photograph panning across, 100 ms each. */
async function panning(width, height, frames) {
  const wide = await photo(width * 2, height, 13).png().toBuffer();
  const stills = await Promise.all(Array.from({ length: frames }, (_, i) => sharp(wide).extract({ left: Math.round((i * width) / frames), top: 0, width, height }).png().toBuffer()));
  return sharp(stills, { join: { animated: true } }).gif({ delay: stills.map(() => 100), loop: 0 });
}

/** The watermark of the watermark row: a translucent 400×200 logo. */
const LOGO = 'logo.png';
async function logo(dir) {
  const shape = '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200"><rect x="10" y="10" width="380" height="180" rx="40" fill="#fff" fill-opacity="0.8"/><circle cx="100" cy="100" r="60" fill="#e33"/></svg>';
  await sharp(Buffer.from(shape)).png().toFile(path.join(dir, LOGO));
}

/** Writes the sources into `dir`; the names of each original and of its copies, relative to `dir`. */
async function makeSources(dir) {
  const originals = {
    large: { name: 'photo-4000x3000.jpg', make: () => photo(4000, 3000, 5).jpeg({ quality: 85 }) },
    medium: { name: 'photo-1920x1280.jpg', make: () => photo(1920, 1280, 9).jpeg({ quality: 85 }) },
    alpha: { name: 'alpha-1200x800.png', make: () => translucent(1200, 800) },
    animated: { name: 'panning-480x360.gif', make: () => panning(480, 360, 30) },
  };
  await logo(dir);
  const sources = {};
  for (const [kind, { name, make }] of Object.entries(originals)) {
    const file = path.join(dir, name);
    await (await make()).toFile(file);
    const copiesDir = path.join(dir, kind);
    fs.mkdirSync(copiesDir, { recursive: true });
    const copies = [];
    for (let i = 0; i < COPIES; i++) {
      const copy = `${kind}/${String(i).padStart(3, '0')}${path.extname(name)}`;
      fs.linkSync(file, path.join(dir, copy));
      copies.push(copy);
    }
    sources[kind] = { name, bytes: fs.statSync(file).size, copies };
  }
  return sources;
}

module.exports = { makeSources, LOGO };
