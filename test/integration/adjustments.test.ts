import path from 'node:path';
import sharp from 'sharp';
import { planOutput } from '../../src/images/plan';
import type { ResolvedSource } from '../../src/images/resolve';
import { normaliseSpec, type SpecInput } from '../../src/images/spec';
import { createTransformer } from '../../src/images/transform';
import { createSourceViews } from '../../src/images/view';
import { makeSource, writeFile } from '../helpers/images';
import { tempDir } from '../helpers/temp';

const dir = tempDir();
const transformer = createTransformer({ maxSourcePixels: 50_000_000, timeoutSeconds: 30 });
const limits = { minDimension: 10, maxDimension: 4000 };
const bounds = { maxDimension: 4000, maxOutputPixels: 16_000_000 };
const views = createSourceViews({ transformer, limiter: { run: (task) => task() } });
/** A file as the resolver would hand it out: its version is its name, enough for remembering trims. */
const sourceAt = (file: string) => ({ file, version: file }) as unknown as ResolvedSource;

type Rgb = { r: number; g: number; b: number };
const RED: Rgb = { r: 255, g: 0, b: 0 };
const GREEN: Rgb = { r: 0, g: 255, b: 0 };
const BLUE: Rgb = { r: 0, g: 0, b: 255 };
const YELLOW: Rgb = { r: 255, g: 255, b: 0 };

/** A 400×200 PNG in four quadrants: red, green on top; blue, yellow below. */
async function quadrants(): Promise<string> {
  const block = (colour: Rgb) => ({ create: { width: 200, height: 100, channels: 3 as const, background: colour } });
  const image = await sharp(block(RED))
    .extend({ right: 200, bottom: 100, background: YELLOW })
    .composite([
      { input: block(GREEN), left: 200, top: 0 },
      { input: block(BLUE), left: 0, top: 100 },
    ])
    .png()
    .toBuffer();
  return writeFile(dir, 'quadrants.png', image);
}

async function render(file: string, input: SpecInput) {
  const spec = normaliseSpec({ format: 'png', ...input }, limits);
  const view = await views.view(sourceAt(file), await transformer.readMetadata(file), spec, { strict: true });
  const planned = planOutput(view, spec, bounds);
  const output = await transformer.render(file, spec, planned, view);
  const { data, info } = await sharp(output).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number): Rgb => {
    const i = (Math.round(y) * info.width + Math.round(x)) * info.channels;
    return info.channels === 1 ? { r: data[i]!, g: data[i]!, b: data[i]! } : { r: data[i]!, g: data[i + 1]!, b: data[i + 2]! };
  };
  const corners = () => {
    const [w, h] = [info.width, info.height];
    return [at(w / 4, h / 4), at((3 * w) / 4, h / 4), at(w / 4, (3 * h) / 4), at((3 * w) / 4, (3 * h) / 4)];
  };
  return { output, planned, info, at, corners, spec };
}

const NAMED: Record<string, Rgb> = { red: RED, green: GREEN, blue: BLUE, yellow: YELLOW, white: { r: 255, g: 255, b: 255 } };

/** The named colour a pixel is within 40 per channel of, or its values when none. */
function named(pixel: Rgb): string {
  const found = Object.entries(NAMED).find(([, colour]) => Math.abs(colour.r - pixel.r) <= 40 && Math.abs(colour.g - pixel.g) <= 40 && Math.abs(colour.b - pixel.b) <= 40);
  return found ? found[0] : JSON.stringify(pixel);
}

let file: string;
beforeAll(async () => {
  file = await quadrants();
});

describe('rotation and mirroring', () => {
  // Quadrants as [top-left, top-right, bottom-left, bottom-right] after each transform.
  it.each([
    [{}, ['red', 'green', 'blue', 'yellow'], { width: 200, height: 100 }],
    [{ rotate: 90 }, ['blue', 'red', 'yellow', 'green'], { width: 200, height: 400 }],
    [{ rotate: 180 }, ['yellow', 'blue', 'green', 'red'], { width: 200, height: 100 }],
    [{ rotate: 270 }, ['green', 'yellow', 'red', 'blue'], { width: 200, height: 400 }],
    [{ flipHorizontal: true }, ['green', 'red', 'yellow', 'blue'], { width: 200, height: 100 }],
    [{ flipVertical: true }, ['blue', 'yellow', 'red', 'green'], { width: 200, height: 100 }],
    [{ rotate: 90, flipHorizontal: true }, ['red', 'blue', 'green', 'yellow'], { width: 200, height: 400 }],
    [{ rotate: 90, flipVertical: true }, ['yellow', 'green', 'blue', 'red'], { width: 200, height: 400 }],
  ] as const)('%j puts the quadrants where it says, at the planned size', async (input, expected, size) => {
    const { corners, planned, info } = await render(file, { width: 200, ...input });
    expect(planned).toEqual(size);
    expect({ width: info.width, height: info.height }).toEqual(size);
    expect(corners().map(named)).toEqual(expected);
  });

  it('mirrors before a COVER crop, with or without a turn: the position is of what is seen', async () => {
    // Mirrored, the quadrants are green, red / yellow, blue: EAST keeps red and blue.
    const { corners } = await render(file, { width: 100, height: 100, fit: 'cover', position: 'east', flipHorizontal: true });
    expect(corners().map(named)).toEqual(['red', 'red', 'blue', 'blue']);
    // Turned a half and mirrored (a vertical flip), they are blue, yellow / red, green: EAST keeps yellow and green.
    const turned = await render(file, { width: 100, height: 100, fit: 'cover', position: 'east', rotate: 180, flipHorizontal: true });
    expect(turned.corners().map(named)).toEqual(['yellow', 'yellow', 'green', 'green']);
  });

  it('crops a quarter-turned source with COVER in the turned box', async () => {
    // Turned, the source is 200×400 (blue, red / yellow, green); a 200×200 NORTH crop keeps the top half.
    const { corners, info } = await render(file, { width: 100, height: 100, fit: 'cover', position: 'north', rotate: 90 });
    expect({ width: info.width, height: info.height }).toEqual({ width: 100, height: 100 });
    expect(corners().slice(0, 2).map(named)).toEqual(['blue', 'red']);
  });
});

describe('focal point', () => {
  // 400×200: red everywhere but a 40×40 green square whose centre is at (0.85, 0.3).
  let spotted: string;
  beforeAll(async () => {
    const image = await sharp({ create: { width: 400, height: 200, channels: 3, background: RED } })
      .composite([{ input: { create: { width: 40, height: 40, channels: 3, background: GREEN } }, left: 320, top: 40 }])
      .png()
      .toBuffer();
    spotted = writeFile(dir, 'spotted.png', image);
  });

  it('centres a COVER crop on the point, at the planned size', async () => {
    const { at, info, planned } = await render(spotted, { width: 100, height: 100, fit: 'cover', focalPoint: { x: 0.85, y: 0.3 } });
    expect({ width: info.width, height: info.height }).toEqual(planned);
    expect(planned).toEqual({ width: 100, height: 100 });
    // Scaled to 200×100, the square is 20 px wide around (170, 30): the crop starts at 100, so it lies around (70, 30).
    expect(named(at(70, 30))).toBe('green');
    expect(named(at(20, 30))).toBe('red');
  });

  it('keeps the crop inside the image when the point is near an edge', async () => {
    const { at, info } = await render(spotted, { width: 100, height: 100, fit: 'cover', focalPoint: { x: 1, y: 0 } });
    expect({ width: info.width, height: info.height }).toEqual({ width: 100, height: 100 });
    // The crop is pushed to the right edge: the square lies around (70, 30) again.
    expect(named(at(70, 30))).toBe('green');
  });

  it('crops elsewhere than the centre would', async () => {
    const centred = await render(spotted, { width: 100, height: 100, fit: 'cover' });
    expect(named(centred.at(70, 30))).toBe('red');
  });
});

describe('background', () => {
  it('pads CONTAIN with the asked colour, in a format with alpha too', async () => {
    const { at, info } = await render(file, { width: 100, height: 100, fit: 'contain', background: '#00ff00', format: 'webp' });
    expect({ width: info.width, height: info.height }).toEqual({ width: 100, height: 100 });
    // The 2:1 source fills the middle band; above and below is padding.
    expect(named(at(50, 5))).toBe('green');
    expect(named(at(50, 95))).toBe('green');
  });

  it('is what transparency is flattened onto for JPEG', async () => {
    const clear = await sharp({ create: { width: 50, height: 50, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const transparent = writeFile(dir, 'clear.png', clear);
    const { at } = await render(transparent, { width: 50, format: 'jpeg', background: '0000FF' });
    expect(named(at(25, 25))).toBe('blue');
    const plain = await render(transparent, { width: 50, format: 'jpeg' });
    expect(named(plain.at(25, 25))).toBe('white');
  });
});

describe('filters', () => {
  /** How many pixels of the middle row lie between the red and green halves' colours: an edge's width. */
  const edgeWidth = (row: Rgb[]) => row.filter((pixel) => pixel.r > 40 && pixel.r < 215).length;
  const middleRow = (rendered: Awaited<ReturnType<typeof render>>) => Array.from({ length: rendered.info.width }, (_, x) => rendered.at(x, rendered.info.height / 4));

  it('blurs the output by the asked sigma: a sharp edge spreads over more pixels as sigma grows', async () => {
    const sharpEdge = edgeWidth(middleRow(await render(file, { width: 200 })));
    const soft = edgeWidth(middleRow(await render(file, { width: 200, blur: 2 })));
    const softer = edgeWidth(middleRow(await render(file, { width: 200, blur: 8 })));
    expect(sharpEdge).toBeLessThanOrEqual(2);
    expect(soft).toBeGreaterThan(sharpEdge + 2);
    expect(softer).toBeGreaterThan(soft * 2);
  });

  it('sharpens a soft edge: its steepest step between neighbours grows', async () => {
    // Black on the left, white on the right, softened.
    const edge = await sharp({ create: { width: 100, height: 50, channels: 3, background: { r: 0, g: 0, b: 0 } } })
      .extend({ right: 100, background: { r: 255, g: 255, b: 255 } })
      .blur(3)
      .png()
      .toBuffer();
    const soft = writeFile(dir, 'soft-edge.png', edge);
    const steepest = (rendered: Awaited<ReturnType<typeof render>>) => {
      const row = middleRow(rendered).map((pixel) => pixel.g);
      return Math.max(...row.slice(1).map((value, x) => Math.abs(value - row[x]!)));
    };
    const plain = steepest(await render(soft, { width: 200 }));
    const sharpened = steepest(await render(soft, { width: 200, sharpen: 3 }));
    expect(sharpened).toBeGreaterThan(plain * 1.2);
  });

  it('turns every pixel grey, keeping the size', async () => {
    const { corners, info } = await render(file, { width: 200, grayscale: true, format: 'jpeg' });
    expect({ width: info.width, height: info.height }).toEqual({ width: 200, height: 100 });
    for (const pixel of corners()) {
      expect(Math.max(pixel.r, pixel.g, pixel.b) - Math.min(pixel.r, pixel.g, pixel.b)).toBeLessThanOrEqual(4);
    }
    // Red and green differ in luminance, so the quadrants stay apart.
    const [red, green] = corners();
    expect(Math.abs(red!.r - green!.r)).toBeGreaterThan(40);
  });
});

describe('device pixel ratio', () => {
  it('multiplies the box, and the source still bounds it unless enlarging', async () => {
    expect((await render(file, { width: 100, dpr: 2 })).info.width).toBe(200);
    expect((await render(file, { width: 150, dpr: 2 })).info.width).toBe(300);
    expect((await render(file, { width: 300, dpr: 2 })).info.width).toBe(400);
    const enlarged = await render(file, { width: 300, dpr: 2, enlarge: true });
    expect({ width: enlarged.info.width, height: enlarged.info.height }).toEqual(enlarged.planned);
    expect(enlarged.planned).toEqual({ width: 600, height: 300 });
  });
});

describe('crop', () => {
  it.each([
    [{ unit: 'pixels', left: 200, top: 0, width: 200, height: 100 }, ['green', 'green', 'green', 'green'], { width: 200, height: 100 }],
    [{ unit: 'fraction', left: 0, top: 0.5, width: 1, height: 0.5 }, ['blue', 'yellow', 'blue', 'yellow'], { width: 400, height: 100 }],
    [{ unit: 'fraction', left: 0.25, top: 0.25, width: 0.5, height: 0.5 }, ['red', 'green', 'blue', 'yellow'], { width: 200, height: 100 }],
  ] as const)('%j keeps that region, at the planned size', async (crop, expected, size) => {
    const { corners, planned, info } = await render(file, { crop });
    expect(planned).toEqual(size);
    expect({ width: info.width, height: info.height }).toEqual(size);
    expect(corners().map(named)).toEqual(expected);
  });

  // The region is taken from the source as displayed, before the asked turn and mirror:
  // the same as turning a copy of the source cut out beforehand.
  it.each([{ rotate: 90 }, { rotate: 180 }, { rotate: 270 }, { flipHorizontal: true }, { flipVertical: true }, { rotate: 90, flipHorizontal: true }, { rotate: 270, flipVertical: true }])(
    'is taken before %j',
    async (look) => {
      const region = { left: 150, top: 30, width: 200, height: 60 };
      const cut = await writeFile(dir, `cut-${JSON.stringify(look).replace(/\W/g, '')}.png`, await sharp(file).extract(region).png().toBuffer());
      const cropped = await render(file, { ...look, crop: region });
      const expected = await render(cut, look);
      expect(cropped.planned).toEqual(expected.planned);
      expect(cropped.corners().map(named)).toEqual(expected.corners().map(named));
    },
  );

  it('places the region on the source as displayed, after the camera\'s orientation', async () => {
    // Stored as the quadrants with orientation 6: displayed turned a quarter, blue and red on top.
    const stored = await writeFile(dir, 'quadrants-6.jpg', await sharp(file).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer());
    const { corners, info } = await render(stored, { crop: { left: 0, top: 0, width: 100, height: 200 } });
    expect({ width: info.width, height: info.height }).toEqual({ width: 100, height: 200 });
    expect(corners().map(named)).toEqual(['blue', 'blue', 'blue', 'blue']);
  });

  it('is refused by the API when it does not lie on the source, naming the source size', async () => {
    await expect(render(file, { crop: { left: 300, top: 0, width: 200, height: 100 } })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringMatching(/400×200.*for crop/),
    });
  });

  it('is clipped to the source on the bytes route, where a newer source may be smaller', async () => {
    const spec = normaliseSpec({ crop: { left: 300, top: 0, width: 200, height: 100 } }, limits);
    const view = await views.view(sourceAt(file), await transformer.readMetadata(file), spec);
    expect(view.region).toEqual({ left: 300, top: 0, width: 100, height: 100 });
  });
});

describe('trim', () => {
  /** A red 120×70 block on a white border, 30 px on the left and top, 50 on the right and bottom. */
  async function framed(): Promise<string> {
    const image = await sharp({ create: { width: 120, height: 70, channels: 3, background: RED } })
      .extend({ left: 30, top: 30, right: 50, bottom: 50, background: { r: 255, g: 255, b: 255 } })
      .png()
      .toBuffer();
    return writeFile(dir, 'framed.png', image);
  }

  it('removes the uniform border before sizing, and the API plans the trimmed size', async () => {
    const { planned, info, corners } = await render(await framed(), { trim: 10 });
    expect(planned).toEqual({ width: 120, height: 70 });
    expect({ width: info.width, height: info.height }).toEqual(planned);
    expect(corners().map(named)).toEqual(['red', 'red', 'red', 'red']);
  });

  it('trims inside a crop, and the box is filled by what is left', async () => {
    // The crop keeps the left border and half the block: trimming leaves 60×70 of red.
    const { planned, info, corners } = await render(await framed(), { crop: { left: 0, top: 0, width: 90, height: 150 }, trim: 10, width: 120 });
    expect(planned).toEqual({ width: 60, height: 70 });
    expect({ width: info.width, height: info.height }).toEqual(planned);
    expect(corners().map(named)).toEqual(['red', 'red', 'red', 'red']);
  });

  it('leaves a uniform image whole', async () => {
    const plain = await writeFile(dir, 'plain.png', await sharp({ create: { width: 80, height: 40, channels: 3, background: BLUE } }).png().toBuffer());
    const { planned, info } = await render(plain, { trim: 50 });
    expect(planned).toEqual({ width: 80, height: 40 });
    expect({ width: info.width, height: info.height }).toEqual(planned);
  });

  it('leaves images too small to have a border whole', async () => {
    for (const [name, width, height] of [['dot.png', 1, 1], ['line.png', 1, 1000], ['pair.png', 2, 2]] as const) {
      const tiny = await writeFile(dir, name, await sharp({ create: { width, height, channels: 3, background: RED } }).png().toBuffer());
      const { planned, info } = await render(tiny, { trim: 10, width: 10, enlarge: false });
      expect(planned).toEqual({ width: Math.min(10, width), height: Math.max(1, Math.round((Math.min(10, width) / width) * height)) });
      expect({ width: info.width, height: info.height }).toEqual(planned);
    }
  });

  it('finds the border of a large source on a smaller copy, keeping every pixel of what is inside', async () => {
    // 6000×300: analysed at 2000×100, so the border is found to within 3 pixels, on the side of keeping.
    const image = await sharp({ create: { width: 4000, height: 200, channels: 3, background: RED } })
      .extend({ left: 1000, right: 1000, top: 50, bottom: 50, background: { r: 255, g: 255, b: 255 } })
      .png()
      .toBuffer();
    const wide = await writeFile(dir, 'wide-framed.png', image);
    const view = await views.view(sourceAt(wide), await transformer.readMetadata(wide), normaliseSpec({ trim: 10 }, limits));
    const region = view.region!;
    expect(region.left).toBeLessThanOrEqual(1000);
    expect(region.left).toBeGreaterThanOrEqual(997);
    expect(region.top).toBeLessThanOrEqual(50);
    expect(region.left + region.width).toBeGreaterThanOrEqual(5000);
    expect(region.left + region.width).toBeLessThanOrEqual(5003);
    expect(region.top + region.height).toBeGreaterThanOrEqual(250);
    const { planned, info } = await render(wide, { trim: 10, width: 400 });
    expect({ width: info.width, height: info.height }).toEqual(planned);
  });

  it('counts as border what differs from the corner colour by at most the threshold', async () => {
    // A light grey square on white, with a red dot in it: grey is border only above its difference from white.
    const image = await sharp({ create: { width: 200, height: 200, channels: 3, background: { r: 255, g: 255, b: 255 } } })
      .composite([
        { input: { create: { width: 100, height: 100, channels: 3, background: { r: 230, g: 230, b: 230 } } }, left: 50, top: 50 },
        { input: { create: { width: 20, height: 20, channels: 3, background: RED } }, left: 90, top: 90 },
      ])
      .png()
      .toBuffer();
    const nested = await writeFile(dir, 'nested.png', image);
    expect((await render(nested, { trim: 10 })).planned).toEqual({ width: 100, height: 100 });
    expect((await render(nested, { trim: 60 })).planned).toEqual({ width: 20, height: 20 });
  });
});

describe('planned size equals rendered size with adjustments', () => {
  const photo = () => path.join(dir, 'exif-6.jpg');
  beforeAll(async () => {
    await makeSource(dir, 'exif-6.jpg', { width: 900, height: 500, orientation: 6 });
  });
  const combos: SpecInput[] = [
    { rotate: 90, width: 300 },
    { rotate: 270, height: 300 },
    { rotate: 90, width: 300, height: 100, fit: 'cover', position: 'attention' },
    { rotate: 90, width: 300, height: 100, fit: 'contain', background: 'ff000080' },
    { rotate: 180, flipVertical: true, width: 333, height: 222, fit: 'outside' },
    { dpr: 3, width: 120, height: 90, fit: 'fill' },
    { dpr: 1.5, rotate: 270, width: 2000, height: 2000, enlarge: true, blur: 10, sharpen: 3, grayscale: true },
    { crop: { unit: 'fraction', left: 0.1, top: 0.2, width: 0.333, height: 0.5 }, rotate: 90, width: 120, height: 90, fit: 'cover', focalPoint: { x: 0.9, y: 0.1 } },
    { crop: { left: 7, top: 11, width: 301, height: 203 }, trim: 20, flipVertical: true, width: 150, height: 150, fit: 'contain' },
    { trim: 1, rotate: 270, width: 311 },
  ];
  it.each(combos.map((combo) => [JSON.stringify(combo), combo] as const))('%s', async (_, combo) => {
    const { info, planned } = await render(photo(), combo);
    expect({ width: info.width, height: info.height }).toEqual(planned);
  });
});
