// A synthetic photograph: what the samples and the benchmark render, so JPEG sizes and decode costs are realistic.
const sharp = require('sharp');

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

module.exports = { photo };
