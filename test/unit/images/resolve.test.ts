import path from 'node:path';
import { createResolver, PLACEHOLDER_NAME, type ResolverFs } from '../../../src/images/resolve';

const ROOT = '/srv/images';

/** An in-memory tree: 'dir' entries are folders, 'file' entries files; `link` maps a path to its real target. */
function fakeFs(entries: string[], links: Record<string, string> = {}): ResolverFs {
  const nodes = new Map<string, 'file' | 'dir'>([[ROOT, 'dir']]);
  for (const entry of entries) {
    const isDir = entry.endsWith('/');
    const relative = isDir ? entry.slice(0, -1) : entry;
    const parts = relative.split('/');
    for (let i = 1; i < parts.length; i++) nodes.set(path.join(ROOT, ...parts.slice(0, i)), 'dir');
    nodes.set(path.join(ROOT, relative), isDir ? 'dir' : 'file');
  }
  const real = (file: string) => {
    for (const [link, target] of Object.entries(links)) {
      const from = path.join(ROOT, link);
      if (file === from || file.startsWith(from + '/')) return target + file.slice(from.length);
    }
    return file;
  };
  return {
    async stat(file) {
      const kind = nodes.get(real(file)) ?? nodes.get(file);
      if (!kind) return null;
      return { isFile: () => kind === 'file', isDirectory: () => kind === 'dir', size: 100, mtimeMs: 1 };
    },
    async realpath(file) {
      return real(file);
    },
    async readdir(dir) {
      const inside = real(dir);
      return [...nodes.keys()].filter((node) => path.dirname(node) === inside).map((node) => path.basename(node));
    },
  };
}

function resolverFor(entries: string[], links: Record<string, string> = {}) {
  const escapes: string[] = [];
  const resolver = createResolver(
    {
      imagesRoot: ROOT,
      placeholder: async () => ({ file: '/srv/cache/.placeholder/p.png', size: 1, mtimeMs: 1, data: Buffer.from('p') }),
      onEscape: (relative) => escapes.push(relative),
    },
    fakeFs(entries, links),
  );
  return { resolver, escapes };
}

const SAMPLE = [
  'IMG_0001.JPG',
  'Photo.Jpeg',
  'holiday.png',
  'holiday.JPG',
  'cat.jpg',
  'logo.jpg',
  'logo.png',
  'banner.webp',
  'photo.jpeg',
  'anim.gif',
  'cats/default.jpg',
  'cats/cat_white.jpg',
  'cats/cat_black.png',
  'products/default.png',
  'products/shoes/red.jpg',
  'products/shoes/blue/',
  'empty/',
  '2024/summer.jpg',
  'archive/2024/photo.jpg',
  'default.jpg',
  'notes.md',
];

describe('source resolution', () => {
  const { resolver } = resolverFor(SAMPLE);
  it.each([
    ['cat', 'cat.jpg', 'ORIGINAL'],
    ['cat.jpg', 'cat.jpg', 'ORIGINAL'],
    ['IMG_0001', 'IMG_0001.JPG', 'ORIGINAL'],
    ['IMG_0001.JPG', 'IMG_0001.JPG', 'ORIGINAL'],
    ['Photo', 'Photo.Jpeg', 'ORIGINAL'],
    ['holiday', 'holiday.JPG', 'ORIGINAL'],
    ['img_0001', 'default.jpg', 'DEFAULT'],
    ['logo', 'logo.jpg', 'ORIGINAL'],
    ['logo.png', 'logo.png', 'ORIGINAL'],
    ['banner', 'banner.webp', 'ORIGINAL'],
    ['photo', 'photo.jpeg', 'ORIGINAL'],
    ['anim', 'anim.gif', 'ORIGINAL'],
    ['cats', 'cats/default.jpg', 'ORIGINAL'],
    ['cats/cat_white', 'cats/cat_white.jpg', 'ORIGINAL'],
    ['cats/cat_white.jpg', 'cats/cat_white.jpg', 'ORIGINAL'],
    ['cats/cat_black', 'cats/cat_black.png', 'ORIGINAL'],
    ['cats/cat_black.jpg', 'cats/default.jpg', 'GROUP_DEFAULT'],
    ['cats/missing', 'cats/default.jpg', 'GROUP_DEFAULT'],
    ['products/shoes/red', 'products/shoes/red.jpg', 'ORIGINAL'],
    ['products/shoes/green', 'products/default.png', 'GROUP_DEFAULT'],
    ['products/shoes/blue', 'products/default.png', 'GROUP_DEFAULT'],
    ['products/shoes', 'products/default.png', 'GROUP_DEFAULT'],
    ['empty', 'default.jpg', 'DEFAULT'],
    ['missing', 'default.jpg', 'DEFAULT'],
    ['cat.png', 'default.jpg', 'DEFAULT'],
    ['notes.md', 'default.jpg', 'DEFAULT'],
    ['default', 'default.jpg', 'ORIGINAL'],
  ])('%j is answered by %j (%s)', async (asked, relative, kind) => {
    const source = await resolver.resolve(asked.split('/'));
    expect(source).toMatchObject({ requestPath: asked, relative, kind, file: path.join(ROOT, relative) });
  });

  it('uses the placeholder when there is no system default', async () => {
    const { resolver: bare } = resolverFor(['cat.jpg']);
    expect(await bare.resolve(['missing'])).toMatchObject({ kind: 'GENERATED', relative: PLACEHOLDER_NAME, file: '/srv/cache/.placeholder/p.png' });
  });

  it('treats a symlink that leaves the images directory as absent, and says so', async () => {
    const { resolver: linked, escapes } = resolverFor(['default.jpg', 'inside.jpg', 'outside.jpg', 'linkdir/'], {
      'outside.jpg': '/etc/secret.jpg',
      'inside.jpg': path.join(ROOT, 'default.jpg'),
      linkdir: '/etc',
    });
    expect(await linked.resolve(['outside'])).toMatchObject({ kind: 'DEFAULT', relative: 'default.jpg' });
    expect(await linked.resolve(['inside'])).toMatchObject({ kind: 'ORIGINAL', file: path.join(ROOT, 'default.jpg') });
    expect(await linked.resolve(['linkdir', 'secret'])).toMatchObject({ kind: 'DEFAULT' });
    expect(escapes).toEqual(expect.arrayContaining(['outside.jpg', 'linkdir']));
  });

  it('gives a new version when the size or modification time changes', async () => {
    const first = await resolver.resolve(['cat']);
    const { resolver: changed } = createResolverWith({ size: 101, mtimeMs: 1 });
    const second = await changed.resolve(['cat']);
    expect(second.version).not.toBe(first.version);
  });
});

function createResolverWith(stat: { size: number; mtimeMs: number }) {
  const base = fakeFs(SAMPLE);
  const fs: ResolverFs = {
    stat: async (file) => {
      const found = await base.stat(file);
      return found && { ...found, ...stat };
    },
    realpath: base.realpath,
    readdir: base.readdir,
  };
  return { resolver: createResolver({ imagesRoot: ROOT, placeholder: async () => ({ file: 'p', size: 1, mtimeMs: 1, data: Buffer.from('p') }) }, fs) };
}

describe('splitting a URL into image path and parameters', () => {
  const { resolver } = resolverFor(SAMPLE);
  it.each([
    ['cat/300', 'cat', ['300']],
    ['cat.jpg/800x600/webp/q90', 'cat.jpg', ['800x600', 'webp', 'q90']],
    ['cats/400x300/png', 'cats', ['400x300', 'png']],
    ['cats/cat_white/800x600/webp/q90/wow/extra', 'cats/cat_white', ['800x600', 'webp', 'q90', 'wow', 'extra']],
    ['cats/cat_white/wow/800', 'cats/cat_white', ['wow', '800']],
    ['cats/missing/300', 'cats/missing', ['300']],
    ['nothing/here/300/webp', 'nothing/here', ['300', 'webp']],
    ['2024/300', '2024', ['300']],
    ['2024/summer/300', '2024/summer', ['300']],
    ['archive/2024/photo/300', 'archive/2024/photo', ['300']],
    ['products/shoes/red/cover/200x200', 'products/shoes/red', ['cover', '200x200']],
    ['cat', 'cat', []],
    ['300', '300', []],
  ])('%j -> %j + %j', async (url, imagePath, params) => {
    const split = await resolver.splitRoute(url.split('/'));
    expect(split).toEqual({ path: imagePath.split('/'), params });
  });
});
