import path from 'node:path';
import { createHash } from 'node:crypto';
import type { Clock } from '../../../src/clock';
import { createResolver, PLACEHOLDER_NAME, readSource, type Placeholder, type ResolvedSource, type ResolverFs } from '../../../src/images/resolve';

const ROOT = '/srv/images';

/** An in-memory tree: 'dir' entries are folders, 'file' entries files; `link` maps a path to its real target. */
function fakeFs(entries: string[], links: Record<string, string> = {}) {
  interface Node {
    kind: 'file' | 'dir';
    bytes: Buffer;
    identity: { dev: number; ino: number; size: number; mtimeMs: number; ctimeMs: number };
  }
  const nodes = new Map<string, Node>();
  let inode = 1;
  let clock = 1;
  const counters = { stats: 0, reads: 0 };
  const hooks: { whileRead?: (file: string) => void } = {};
  const put = (absolute: string, kind: 'file' | 'dir', bytes: Buffer = Buffer.alloc(0)) => {
    clock++;
    nodes.set(absolute, { kind, bytes, identity: { dev: 1, ino: nodes.get(absolute)?.identity.ino ?? inode++, size: bytes.length, mtimeMs: clock, ctimeMs: clock } });
  };
  put(ROOT, 'dir');
  for (const entry of entries) {
    const isDir = entry.endsWith('/');
    const relative = isDir ? entry.slice(0, -1) : entry;
    const parts = relative.split('/');
    for (let i = 1; i < parts.length; i++) if (!nodes.has(path.join(ROOT, ...parts.slice(0, i)))) put(path.join(ROOT, ...parts.slice(0, i)), 'dir');
    put(path.join(ROOT, relative), isDir ? 'dir' : 'file', Buffer.from(`bytes of ${relative}`));
  }
  const real = (file: string) => {
    for (const [link, target] of Object.entries(links)) {
      const from = path.join(ROOT, link);
      if (file === from || file.startsWith(from + '/')) return target + file.slice(from.length);
    }
    return file;
  };
  const fs: ResolverFs = {
    async stat(file) {
      counters.stats++;
      const node = nodes.get(real(file)) ?? nodes.get(file);
      if (!node) return null;
      return { isFile: () => node.kind === 'file', isDirectory: () => node.kind === 'dir', ...node.identity };
    },
    async realpath(file) {
      return real(file);
    },
    async readdir(dir) {
      const inside = real(dir);
      return [...nodes.keys()].filter((node) => path.dirname(node) === inside).map((node) => path.basename(node));
    },
    async *read(file) {
      counters.reads++;
      await Promise.resolve();
      hooks.whileRead?.(file);
      const node = nodes.get(file);
      if (!node) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      yield node.bytes;
    },
  };
  return Object.assign(fs, {
    counters,
    hooks,
    /** Writes a file inside the images folder (a new one, or the same one with new bytes and times). */
    write: (relative: string, bytes: string) => put(path.join(ROOT, relative), 'file', Buffer.from(bytes)),
    /** New times, the same bytes. */
    touch: (relative: string) => put(path.join(ROOT, relative), 'file', (nodes.get(path.join(ROOT, relative)) as Node).bytes),
    remove: (relative: string) => nodes.delete(path.join(ROOT, relative)),
  });
}

const PLACEHOLDER = { file: '/srv/cache/.placeholder/p.png', size: 1, mtimeMs: 1, data: Buffer.from('p'), contentId: 'design-1' };

function resolverFor(entries: string[], links: Record<string, string> = {}, options: { recheckMs?: number; clock?: Clock; placeholder?: Placeholder; maxReadBytes?: number } = {}) {
  const escapes: string[] = [];
  const files = fakeFs(entries, links);
  const resolver = createResolver(
    {
      imagesRoot: ROOT,
      placeholder: async () => options.placeholder ?? PLACEHOLDER,
      onEscape: (relative) => escapes.push(relative),
      recheckMs: options.recheckMs,
      clock: options.clock,
      maxReadBytes: options.maxReadBytes,
    },
    files,
  );
  return { resolver, escapes, files };
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

});

/** What the version of `relative` holding `bytes` must be: SHA-256 of the path and of git's blob framing of the bytes. */
function expectedVersion(relative: string, bytes: string): string {
  const contentId = createHash('sha256').update(`blob ${Buffer.byteLength(bytes)}\0${bytes}`).digest('hex');
  return createHash('sha256').update(`${relative}\0${contentId}`).digest('base64url').slice(0, 22);
}

describe('source versions', () => {
  it('are a hash of the file that answered and of its bytes', async () => {
    const { resolver } = resolverFor(['cat.jpg', 'default.jpg']);
    expect((await resolver.resolve(['cat'])).version).toBe(expectedVersion('cat.jpg', 'bytes of cat.jpg'));
    expect((await resolver.resolve(['missing'])).version).toBe(expectedVersion('default.jpg', 'bytes of default.jpg'));
  });

  it('stay when a file is only touched, and change with its bytes (even of the same size)', async () => {
    const { resolver, files } = resolverFor(['cat.jpg']);
    const first = await resolver.resolve(['cat']);
    files.touch('cat.jpg');
    const touched = await resolver.resolve(['cat']);
    expect(touched.mtimeMs).not.toBe(first.mtimeMs);
    expect(touched.version).toBe(first.version);
    files.write('cat.jpg', 'bytes of cat.jpX');
    expect((await resolver.resolve(['cat'])).version).not.toBe(first.version);
  });

  it('change when a new image answers a path its fallback answered, even with the same bytes', async () => {
    const { resolver, files } = resolverFor(['cats/default.jpg', 'default.jpg']);
    const fallback = await resolver.resolve(['cats', 'lion']);
    expect(fallback.kind).toBe('GROUP_DEFAULT');
    files.write('cats/lion.jpg', 'bytes of cats/default.jpg');
    const added = await resolver.resolve(['cats', 'lion']);
    expect(added).toMatchObject({ kind: 'ORIGINAL', relative: 'cats/lion.jpg' });
    expect(added.version).not.toBe(fallback.version);
  });

  it("of the placeholder stand for its design, not its bytes or time, which differ between machines", async () => {
    const one = await resolverFor([]).resolver.resolve(['missing']);
    const other = await resolverFor([], {}, { placeholder: { ...PLACEHOLDER, data: Buffer.from('rendered with other fonts'), size: 25, mtimeMs: 99 } }).resolver.resolve(['missing']);
    const redesigned = await resolverFor([], {}, { placeholder: { ...PLACEHOLDER, contentId: 'design-2' } }).resolver.resolve(['missing']);
    expect(one).toMatchObject({ kind: 'GENERATED', relative: PLACEHOLDER_NAME });
    expect(other.version).toBe(one.version);
    expect(redesigned.version).not.toBe(one.version);
  });

  it('read each file once however many look at once, and not again while it is unchanged', async () => {
    const { resolver, files } = resolverFor(['cat.jpg', 'dog.jpg']);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => resolver.lookUp([i % 2 ? 'cat' : 'dog'])));
    expect(new Set(answers.map((answer) => answer.version)).size).toBe(2);
    expect(files.counters.reads).toBe(2);
    await resolver.lookUp(['cat']);
    expect(files.counters.reads).toBe(2);
    expect(resolver.contentStats()).toEqual({ files: 2, bytes: 'bytes of cat.jpg'.length + 'bytes of dog.jpg'.length });
  });

  it('cost nothing on a hit within the recheck interval: no stat, no read', async () => {
    let now = 0;
    const clock = { now: () => now, advance: (ms: number) => (now += ms) };
    const { resolver, files } = resolverFor(['cat.jpg'], {}, { recheckMs: 1000, clock });
    const first = await resolver.resolve(['cat']);
    const { stats, reads } = files.counters;
    files.touch('cat.jpg');
    clock.advance(999);
    expect(await resolver.resolve(['cat'])).toBe(first);
    expect(files.counters).toEqual({ stats, reads });
    clock.advance(1);
    expect((await resolver.resolve(['cat'])).version).toBe(first.version);
    expect(files.counters.reads).toBe(reads + 1);
  });

  it('of a file too large to be served come from its size and time, without reading it', async () => {
    const { resolver, files } = resolverFor(['small.jpg', 'large.jpg'], {}, { maxReadBytes: 'bytes of small.jpg'.length });
    files.write('large.jpg', 'bytes of large.jpg, over the bound');
    expect((await resolver.resolve(['small'])).version).toBe(expectedVersion('small.jpg', 'bytes of small.jpg'));
    const large = await resolver.resolve(['large']);
    expect(files.counters.reads).toBe(1);
    files.touch('large.jpg');
    expect((await resolver.resolve(['large'])).version).not.toBe(large.version);
    expect(files.counters.reads).toBe(1);
  });

  it('fall back when the file goes while it is read for its version', async () => {
    const { resolver, files } = resolverFor(['cat.jpg', 'default.jpg']);
    files.hooks.whileRead = (file) => {
      if (file === path.join(ROOT, 'cat.jpg')) files.remove('cat.jpg');
    };
    expect(await resolver.resolve(['cat'])).toMatchObject({ kind: 'DEFAULT', relative: 'default.jpg', version: expectedVersion('default.jpg', 'bytes of default.jpg') });
  });

  it('are never given to what was read of a file written since: the path is looked up again, and a file written on every read is being written', async () => {
    const { resolver, files } = resolverFor(['cat.jpg'], {}, { recheckMs: 60_000 });
    await resolver.resolve(['cat']);
    /** Reads the source, while `writes` more writes land on the file as it is read. */
    const reading = (writes: number) => (source: ResolvedSource) =>
      readSource(source, async () => {
        if (writes-- > 0) files.write('cat.jpg', `bytes of cat.jpg, write ${writes}`);
        return source.version;
      });
    // Written once while read: what was read is taken for the new bytes' version, not the one remembered.
    expect(await resolver.withSource(['cat'], reading(1))).toBe(expectedVersion('cat.jpg', 'bytes of cat.jpg, write 0'));
    expect(await resolver.withSource(['cat'], reading(0))).toBe(expectedVersion('cat.jpg', 'bytes of cat.jpg, write 0'));
    await expect(resolver.withSource(['cat'], reading(2))).rejects.toMatchObject({ code: 'UNSUPPORTED_IMAGE', message: 'The source file is being written; ask again once it is whole.' });
  });
});

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
