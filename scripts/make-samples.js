// Generates the bundled sample images in images/ (committed; run again only to change them).
const path = require('node:path');
const fs = require('node:fs');
const sharp = require('sharp');

const out = path.join(__dirname, '..', 'images');

/** A photo-like scene: sky and ground gradients, soft shapes, fine noise. */
function photo(width, height, seed) {
  const data = Buffer.alloc(width * height * 3);
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const sun = { x: width * (0.2 + random() * 0.6), y: height * 0.3, r: height * 0.12 };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const horizon = height * 0.62 + Math.sin(x / 90 + seed) * height * 0.04;
      let r, g, b;
      if (y < horizon) {
        const t = y / horizon;
        [r, g, b] = [90 + 120 * t, 140 + 80 * t, 220 - 30 * t];
        const d = Math.hypot(x - sun.x, y - sun.y);
        if (d < sun.r * 3) {
          const glow = Math.max(0, 1 - d / (sun.r * 3)) ** 2;
          [r, g, b] = [r + 140 * glow, g + 110 * glow, b + 40 * glow];
        }
      } else {
        const t = (y - horizon) / (height - horizon);
        const stripes = Math.sin(x / 23 + y / 11) * 12;
        [r, g, b] = [70 + 40 * t + stripes, 110 + 30 * t + stripes, 40 + 10 * t];
      }
      const noise = (random() - 0.5) * 18;
      data[i] = Math.max(0, Math.min(255, r + noise));
      data[i + 1] = Math.max(0, Math.min(255, g + noise));
      data[i + 2] = Math.max(0, Math.min(255, b + noise));
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } });
}

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
