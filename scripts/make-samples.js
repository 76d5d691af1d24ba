// Generates the bundled sample images in images/ (committed; run again only to change them).
const path = require('node:path');
const fs = require('node:fs');
const sharp = require('sharp');
const { photo } = require('./photo');

const out = path.join(__dirname, '..', 'images');

/** A labelled card, so a person can see by eye which file answered. */
function card(width, height, label, background, foreground) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="${background}"/>
    <circle cx="${width / 2}" cy="${height * 0.42}" r="${Math.min(width, height) * 0.22}" fill="${foreground}" opacity="0.85"/>
    <text x="50%" y="${height * 0.85}" text-anchor="middle" font-family="sans-serif" font-size="${Math.round(height / 12)}" fill="${foreground}">${label}</text>
  </svg>`;
  return sharp(Buffer.from(svg));
}

function badge(size) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">
    <circle cx="${size / 2}" cy="${size / 2}" r="${size * 0.45}" fill="#e4572e"/>
    <circle cx="${size / 2}" cy="${size / 2}" r="${size * 0.25}" fill="#ffffff" fill-opacity="0.6"/>
  </svg>`;
  return sharp(Buffer.from(svg));
}

async function main() {
  const write = async (name, pipeline) => {
    const file = path.join(out, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const info = await pipeline.toFile(file);
    process.stdout.write(`${name} ${info.width}x${info.height} ${info.size} bytes\n`);
  };
  await write('landscape.jpg', photo(1600, 1067, 7).jpeg({ quality: 80 }));
  await write('portrait.jpg', photo(800, 1200, 3).jpeg({ quality: 80 }));
  await write('badge.png', badge(512).png());
  await write('logo.jpg', card(600, 300, 'logo.jpg', '#1d3557', '#f1faee').jpeg({ quality: 85 }));
  await write('logo.png', card(600, 300, 'logo.png', '#f1faee', '#1d3557').png());
  await write('banner.webp', card(1200, 400, 'banner.webp', '#264653', '#e9c46a').webp({ quality: 80 }));
  await write('cats/default.jpg', card(800, 600, 'cats/default', '#6d597a', '#ffe5d9').jpeg({ quality: 82 }));
  await write('cats/cat_white.jpg', card(800, 600, 'cats/cat_white', '#f8f9fa', '#adb5bd').jpeg({ quality: 82 }));
  await write('cats/cat_black.jpg', card(600, 800, 'cats/cat_black', '#212529', '#ced4da').jpeg({ quality: 82 }));
  await write('products/default.jpg', card(800, 800, 'products/default', '#ffb703', '#023047').jpeg({ quality: 82 }));
  await write('products/shoes/red.jpg', card(800, 800, 'products/shoes/red', '#d62828', '#fcbf49').jpeg({ quality: 82 }));
  await write('default.jpg', card(1000, 1000, 'default image', '#e5e5e5', '#6c757d').jpeg({ quality: 82 }));
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
