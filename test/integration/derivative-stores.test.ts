import { existsSync, promises as fs, readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createDiskCache } from '../../src/images/cache';
import type { DerivativeCache } from '../../src/images/derivative-cache';
import { createStoreCache } from '../../src/images/store-cache';
import { createS3Store } from '../../src/stores/s3';
import { createSharedFolderStore } from '../../src/stores/shared-folder';
import { writeFile } from '../helpers/images';
import { closedPort, silentPort, startFakeS3, type FakeS3 } from '../helpers/s3';
import { tempDir } from '../helpers/temp';

const KB = 1024;
// What the S3 stores here read at most: more than any derivative these tests write.
const MAX_OBJECT = 1024 * KB;
const root = tempDir();
let folders = 0;
const freshDir = () => path.join(root, `store${++folders}`);
const name = (n: number) => `${String(n).padStart(32, '0')}.webp`;
/** `size` bytes framed as a WebP file (its RIFF length right), filled with `fill`: what the caches check on reading. */
const bytes = (size: number, fill = 7) => {
  const data = Buffer.alloc(size, fill);
  data.write('RIFF', 0, 'latin1');
  data.writeUInt32LE(size - 8, 4);
  data.write('WEBP', 8, 'latin1');
  return data;
};

/** What `work` gives, checked to have come within `ms`: a store that hangs must not hold a request. */
const within = async <T>(ms: number, work: () => Promise<T>): Promise<T> => {
  const started = Date.now();
  const result = await work();
  expect(Date.now() - started).toBeLessThan(ms);
  return result;
};

/** One store form with two caches on it, as two replicas (or two starts of one) would have. */
interface Opened {
  a: DerivativeCache;
  b: DerivativeCache;
  /** Puts bytes where the store keeps a derivative, behind the caches' backs (a crash, a hand). */
  plant(requestPath: string, name: string, data: Buffer): Promise<void>;
  /** What the store holds directly under a requested path: file or object names, temporary ones included. */
  names(requestPath: string): Promise<string[]>;
}

interface Form {
  title: string;
  /**
   * Whether the store itself replaces a derivative whole when two writes race. s3rver does
   * not (it truncates and rewrites its file in place, and answers before the bytes are on
   * disk); S3 does. Where it does not, the checks on reading must make a mix a miss.
   */
  replacesWhole: boolean;
  open(): Promise<Opened>;
}

function folderNames(dir: string, requestPath: string): string[] {
  const folder = path.join(dir, requestPath);
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort();
}

let s3: FakeS3;
beforeAll(async () => {
  s3 = await startFakeS3();
});
afterAll(() => s3.close());

const forms: Form[] = [
  {
    title: 'local folder',
    replacesWhole: true,
    async open() {
      const dir = freshDir();
      const [a, b] = [createDiskCache({ dir }), createDiskCache({ dir })];
      await a.scan();
      await b.scan();
      return { a, b, plant: async (p, n, data) => void writeFile(dir, `${p}/${n}`, data), names: async (p) => folderNames(dir, p) };
    },
  },
  {
    title: 'shared folder used by two replicas',
    replacesWhole: true,
    async open() {
      const dir = freshDir();
      const [a, b] = ['host-a-101', 'host-b-202'].map((replica) => createStoreCache(createSharedFolderStore({ dir, replica }), {}));
      await a!.open();
      await b!.open();
      return { a: a!, b: b!, plant: async (p, n, data) => void writeFile(dir, `${p}/${n}`, data), names: async (p) => folderNames(dir, p) };
    },
  },
  {
    title: 'fake S3 (s3rver) used by two replicas',
    replacesWhole: false,
    async open() {
      await s3.empty();
      const prefix = `run${++folders}/`;
      const store = () => createS3Store({ bucket: s3.bucket, prefix, endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, timeoutMs: 2000, maxObjectBytes: MAX_OBJECT });
      const [a, b] = [createStoreCache(store(), {}), createStoreCache(store(), {})];
      await a.open();
      await b.open();
      return {
        a,
        b,
        plant: (p, n, data) => s3.put(`${prefix}${p}/${n}`, data),
        names: async (p) => (await s3.keys(`${prefix}${p}/`)).map((key) => key.slice(`${prefix}${p}/`.length)).filter((rest) => !rest.includes('/')),
      };
    },
  },
];

describe.each(forms)('the derivative store contract: $title', (form) => {
  it('gives back the bytes one instance wrote when another reads them', async () => {
    const { a, b } = await form.open();
    expect(await a.write('photo', name(1), bytes(3 * KB))).toEqual({ stored: true });
    expect(await b.read('photo', name(1))).toEqual(bytes(3 * KB));
    expect(await b.has('photo', name(1))).toBe(true);
  });

  it('misses a derivative that was never written', async () => {
    const { b } = await form.open();
    expect(await b.read('nothing/here', name(2))).toBeNull();
    expect(await b.has('nothing/here', name(2))).toBe(false);
  });

  it('misses a derivative cut short in the store, never serving it, and counts it damaged', async () => {
    const { a, b, plant } = await form.open();
    await plant('cut', name(3), bytes(4 * KB).subarray(0, 1500));
    expect(await b.read('cut', name(3))).toBeNull();
    expect(b.stats().damaged).toBe(1);
    // Rendered again and written whole, it is a hit.
    await a.write('cut', name(3), bytes(4 * KB));
    expect(await b.read('cut', name(3))).toEqual(bytes(4 * KB));
  });

  it("clears one path's variants and leaves the members of its group (nested paths) alone", async () => {
    const { a, b, names } = await form.open();
    await a.write('cats', name(4), bytes(2 * KB));
    await a.write('cats', name(5), bytes(3 * KB));
    await a.write('cats/white', name(6), bytes(KB));
    expect(await a.clearPaths(['cats'])).toEqual({ files: 2, bytes: 5 * KB });
    expect(await b.read('cats', name(4))).toBeNull();
    expect(await b.read('cats', name(5))).toBeNull();
    expect(await b.read('cats/white', name(6))).toEqual(bytes(KB));
    expect(await names('cats')).toEqual([]);
  });

  it('clears everything: misses at once, and the derivatives are gone once the deletion in the background ends', async () => {
    const { a, b, names } = await form.open();
    for (let n = 1; n <= 5; n++) await a.write(`group${n % 2}/image${n}`, name(n), bytes(KB + n));
    await a.clearAll();
    for (let n = 1; n <= 5; n++) expect(await a.read(`group${n % 2}/image${n}`, name(n))).toBeNull();
    await a.deleted();
    for (let n = 1; n <= 5; n++) {
      expect(await b.read(`group${n % 2}/image${n}`, name(n))).toBeNull();
      expect(await names(`group${n % 2}/image${n}`)).toEqual([]);
    }
    // Written again after the clear, a derivative is a hit again.
    await a.write('group1/image1', name(1), bytes(KB + 1));
    expect(await b.read('group1/image1', name(1))).toEqual(bytes(KB + 1));
  });

  it(`${form.replacesWhole ? 'keeps one whole derivative' : 'never serves a mix'} when two instances write the same key at once`, async () => {
    const { a, b, names } = await form.open();
    for (let round = 0; round < 8; round++) {
      const [mine, theirs] = [bytes(64 * KB, 1), bytes(64 * KB + 4, 2)];
      const outcomes = await Promise.all([a.write('race', name(7), mine), b.write('race', name(7), theirs)]);
      expect(outcomes).toEqual([{ stored: true }, { stored: true }]);
      const read = await b.read('race', name(7));
      const whole = read?.equals(mine) || read?.equals(theirs);
      if (form.replacesWhole) {
        expect(whole).toBe(true);
        expect(await names('race')).toEqual([name(7)]);
      } else {
        expect(read === null || whole).toBe(true);
        expect((await names('race')).filter((stored) => stored !== name(7))).toEqual([]);
      }
    }
  });
});

describe('a clear heard from another replica, on a fake S3 (s3rver)', () => {
  it('drops what this replica holds in memory and learns the time of a clear of everything from the bucket, deleting nothing itself', async () => {
    await s3.empty();
    const store = () => createS3Store({ bucket: s3.bucket, prefix: 'heard/', endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, timeoutMs: 2000, maxObjectBytes: MAX_OBJECT });
    const [a, b] = [createStoreCache(store(), {}), createStoreCache(store(), { memoryBytes: 64 * KB })];
    await a.open();
    await b.open();
    await a.write('cats', name(1), bytes(KB));
    await a.write('dogs', name(2), bytes(KB));
    expect(await b.read('cats', name(1))).toEqual(bytes(KB));
    expect(await b.read('dogs', name(2))).toEqual(bytes(KB));

    await a.clearPaths(['cats']);
    // Not heard yet: its memory still answers.
    expect(await b.read('cats', name(1))).toEqual(bytes(KB));
    expect(await b.clearedElsewhere(['cats'])).toEqual({ files: 0, bytes: 0 });
    expect(await b.read('cats', name(1))).toBeNull();

    // Another replica cleared everything and its deletion has not reached these yet: the marker it wrote makes them misses.
    await a.write('dogs', name(3), bytes(KB));
    expect(await b.read('dogs', name(3))).toEqual(bytes(KB));
    await s3.put('heard/.cleared', Buffer.from(String(Date.now())));
    await b.clearedElsewhere(null);
    expect(b.inMemory(b.locate('dogs', name(2)))).toBeUndefined();
    expect(await b.read('dogs', name(2))).toBeNull();
    expect(await b.read('dogs', name(3))).toBeNull();
    expect(await s3.keys('heard/dogs/')).toEqual([`heard/dogs/${name(2)}`, `heard/dogs/${name(3)}`]);
  });
});

describe('the shared folder store', () => {
  it("leaves another replica's write in flight alone at start-up, and removes temporary files a write left over an hour ago", async () => {
    const dir = freshDir();
    const store = createSharedFolderStore({ dir, replica: 'host-a-101' });
    await store.open();
    const incoming = path.join(dir, '.incoming');
    const fresh = writeFile(incoming, `host-b-202/.${name(1)}.host-b-202.0a1b2c.tmp`, 'half a write');
    const stale = writeFile(incoming, `host-c-303/.${name(2)}.host-c-303.3d4e5f.tmp`, 'left by a crash');
    const hourAgo = new Date(Date.now() - 61 * 60 * 1000);
    await fs.utimes(stale, hourAgo, hourAgo);

    const restarted = createSharedFolderStore({ dir, replica: 'host-a-101' });
    await restarted.open();
    expect(await restarted.sweep()).toEqual({ removedTemporary: 1 });
    expect(existsSync(fresh)).toBe(true);
    expect(existsSync(stale)).toBe(false);
  });

  it('treats a stale file handle (ESTALE) as a miss, counted as a failed read, never as an error', async () => {
    const dir = freshDir();
    const estale = Object.assign(new Error('ESTALE: stale file handle, open'), { code: 'ESTALE' });
    const staleFs = { ...fs, readFile: async () => Promise.reject(estale), lstat: async () => Promise.reject(estale) } as unknown as typeof fs;
    const cache = createStoreCache(createSharedFolderStore({ dir, replica: 'host-a-1', fs: staleFs }), {});
    await cache.open();
    await cache.write('nfs', name(1), bytes(KB));
    expect(await cache.read('nfs', name(1))).toBeNull();
    expect(await cache.has('nfs', name(1))).toBe(false);
    expect(cache.stats()).toMatchObject({ readFailures: 2, damaged: 0 });
  });

  it('never reads or writes through a symbolic link inside the folder', async () => {
    const dir = freshDir();
    const outside = freshDir();
    await fs.mkdir(outside, { recursive: true });
    await fs.mkdir(dir, { recursive: true });
    await fs.symlink(outside, path.join(dir, 'linked'));
    const cache = createStoreCache(createSharedFolderStore({ dir, replica: 'host-a-1' }), {});
    await cache.open();
    expect(await cache.write('linked', name(1), bytes(KB))).toMatchObject({ stored: false });
    writeFile(outside, name(2), bytes(KB));
    expect(await cache.read('linked', name(2))).toBeNull();
    expect(readdirSync(outside)).toEqual([name(2)]);
  });

  it('never serves a derivative file that is a symbolic link, even to a whole file elsewhere, and writes over the link', async () => {
    const dir = freshDir();
    const outside = freshDir();
    const secret = writeFile(outside, 'secret.webp', bytes(KB, 9));
    await fs.mkdir(path.join(dir, 'photo'), { recursive: true });
    await fs.symlink(secret, path.join(dir, 'photo', name(1)));
    const cache = createStoreCache(createSharedFolderStore({ dir, replica: 'host-a-1' }), {});
    await cache.open();
    expect(await cache.read('photo', name(1))).toBeNull();
    expect(await cache.has('photo', name(1))).toBe(false);
    expect(await cache.write('photo', name(1), bytes(KB))).toEqual({ stored: true });
    expect((await fs.lstat(path.join(dir, 'photo', name(1)))).isSymbolicLink()).toBe(false);
    expect(await fs.readFile(secret)).toEqual(bytes(KB, 9));
  });

  it('looks at a folder again at each read and write: one swapped for a link after it was used is never read or written through', async () => {
    const dir = freshDir();
    const outside = freshDir();
    const cache = createStoreCache(createSharedFolderStore({ dir, replica: 'host-a-1' }), {});
    await cache.open();
    expect(await cache.write('photo', name(1), bytes(KB))).toEqual({ stored: true });
    expect(await cache.read('photo', name(1))).toEqual(bytes(KB));
    // Another host with the volume mounted swaps the folder for a link.
    await fs.rm(path.join(dir, 'photo'), { recursive: true });
    writeFile(outside, name(2), bytes(KB, 3));
    await fs.symlink(outside, path.join(dir, 'photo'));
    expect(await cache.write('photo', name(3), bytes(KB))).toMatchObject({ stored: false });
    expect(await cache.read('photo', name(2))).toBeNull();
    expect(readdirSync(outside)).toEqual([name(2)]);
  });

  it('never stages, sweeps or clears through a .incoming or .doomed that is a link out of the folder', async () => {
    const dir = freshDir();
    const [incoming, doomed] = [freshDir(), freshDir()];
    await fs.mkdir(dir, { recursive: true });
    await fs.mkdir(incoming, { recursive: true });
    await fs.symlink(incoming, path.join(dir, '.incoming'));
    await fs.symlink(doomed, path.join(dir, '.doomed'));
    // Files elsewhere that merely look like what a sweep removes, in a folder untouched for an hour.
    const lookalike = writeFile(doomed, `old/${name(5)}`, bytes(KB));
    const staged = writeFile(doomed, `old/.${name(6)}.host-b-2.0a1b2c.tmp`, 'x');
    const hourAgo = new Date(Date.now() - 2 * 3600_000);
    for (const file of [lookalike, staged, path.join(doomed, 'old')]) await fs.utimes(file, hourAgo, hourAgo);

    const store = createSharedFolderStore({ dir, replica: 'host-a-1' });
    const cache = createStoreCache(store, {});
    await cache.open();
    await cache.index();
    expect(existsSync(lookalike) && existsSync(staged)).toBe(true);
    expect(await cache.write('photo', name(1), bytes(KB))).toMatchObject({ stored: false });
    expect(readdirSync(incoming)).toEqual([]);
    await fs.mkdir(path.join(dir, 'photo'), { recursive: true });
    await expect(cache.clearAll()).rejects.toMatchObject({ code: 'OVERLOADED' });
    expect(readdirSync(doomed, { recursive: true }).sort()).toEqual(['old', `old/.${name(6)}.host-b-2.0a1b2c.tmp`, `old/${name(5)}`]);
    expect(existsSync(path.join(dir, 'photo'))).toBe(true);
  });
});

describe('an S3 store that answers wrongly', () => {
  it('misses an object planted with the right key but without the digest a write stores, whole as its bytes look', async () => {
    await s3.empty();
    const cache = createStoreCache(createS3Store({ bucket: s3.bucket, prefix: 'planted/', endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, timeoutMs: 2000, maxObjectBytes: MAX_OBJECT }), {});
    await cache.open();
    await s3.put(`planted/photo/${name(1)}`, bytes(2 * KB, 5));
    expect(await cache.read('photo', name(1))).toBeNull();
    expect(cache.stats()).toMatchObject({ damaged: 1, readFailures: 0 });
    expect(await s3.keys('planted/')).toEqual([]);
  });

  it('misses an object larger than any derivative without reading it whole, told by its length or not', async () => {
    await s3.empty();
    const cache = createStoreCache(createS3Store({ bucket: s3.bucket, prefix: 'large/', endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, timeoutMs: 2000, maxObjectBytes: 4 * KB }), {});
    await cache.open();
    expect(await cache.write('photo', name(1), bytes(4 * KB))).toMatchObject({ stored: true });
    expect(await cache.read('photo', name(1))).toEqual(bytes(4 * KB));
    await s3.put(`large/photo/${name(2)}`, bytes(4 * KB + 1));
    expect(await cache.read('photo', name(2))).toBeNull();
    expect(cache.stats()).toMatchObject({ damaged: 1, readFailures: 0 });
  });

  it('stops reading an object whose body never ends (no length told) at the size bound, long before the timeout', async () => {
    let sent = 0;
    const server = http.createServer((request, response) => {
      // The damaged object's removal is answered at once.
      if (request.method !== 'GET') return void response.writeHead(204).end();
      response.writeHead(200, { 'content-type': 'image/webp' });
      const chunk = Buffer.alloc(16 * KB, 1);
      const more = () => {
        while (!response.destroyed) {
          sent += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', more);
        }
      };
      more();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const cache = createStoreCache(createS3Store({ bucket: 'derivatives', prefix: '', endpoint, region: 'us-east-1', forcePathStyle: true, timeoutMs: 2000, maxObjectBytes: 256 * KB }), {});
      expect(await within(1500, () => cache.read('photo', name(1)))).toBeNull();
      expect(cache.stats()).toMatchObject({ damaged: 1, readFailures: 0 });
      // Only what the sockets buffer besides the bound was sent before the read stopped.
      expect(sent).toBeLessThan(16 * 1024 * KB);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('gives up a listing whose pages never end (the same continuation token again): the clear answers OVERLOADED, in a bounded time', async () => {
    let lists = 0;
    const server = http.createServer((request, response) => {
      if (request.url?.includes('list-type=2')) lists++;
      response.writeHead(200, { 'content-type': 'application/xml' });
      response.end('<?xml version="1.0"?><ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>again</NextContinuationToken></ListBucketResult>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const outcomes: unknown[] = [];
      const cache = createStoreCache(createS3Store({ bucket: 'derivatives', prefix: '', endpoint, region: 'us-east-1', forcePathStyle: true, timeoutMs: 1000, maxObjectBytes: MAX_OBJECT }), {
        onDeleted: (outcome) => outcomes.push(outcome),
      });
      await cache.open();
      const started = Date.now();
      await expect(cache.clearPaths(['photo'])).rejects.toMatchObject({ code: 'OVERLOADED' });
      await cache.clearAll();
      await cache.deleted();
      expect(outcomes).toEqual([{ error: expect.any(Error) }]);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(lists).toBeLessThan(10);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('an S3 store that cannot be reached', () => {
  it.each([
    ['a closed port', async () => ({ endpoint: await closedPort(), close: async () => undefined })],
    ['a port that never answers (request timeout)', silentPort],
  ])('on %s: reads miss, writes are counted as not cached, and nothing throws, within a bounded time', async (_title, endpointOf) => {
    const { endpoint, close } = await endpointOf();
    try {
      const cache = createStoreCache(createS3Store({ bucket: 'derivatives', prefix: '', endpoint, region: 'us-east-1', forcePathStyle: true, timeoutMs: 300, maxObjectBytes: MAX_OBJECT }), {});
      expect(await within(3000, () => cache.open())).toEqual({ writable: false });
      expect(await within(3000, () => cache.read('photo', name(1)))).toBeNull();
      expect(await within(3000, () => cache.has('photo', name(1)))).toBe(false);
      expect(await within(3000, () => cache.write('photo', name(1), bytes(KB)))).toMatchObject({ stored: false });
      expect(cache.stats()).toMatchObject({ writeFailures: 1, readFailures: 2 });
      // The bytes rendered are still served from memory when memory is on; here it is off.
      await expect(within(3000, () => cache.clearPaths(['photo']))).rejects.toMatchObject({ code: 'OVERLOADED' });
    } finally {
      await close();
    }
  });

  it('refuses to open without a region, naming the setting', async () => {
    const region = process.env.AWS_REGION;
    delete process.env.AWS_REGION;
    try {
      const store = createS3Store({ bucket: 'derivatives', prefix: '', endpoint: await closedPort(), forcePathStyle: true, timeoutMs: 300, maxObjectBytes: MAX_OBJECT });
      await expect(store.open()).rejects.toThrow('No AWS region for the derivative bucket: set --s3-region, or AWS_REGION in the environment.');
    } finally {
      if (region !== undefined) process.env.AWS_REGION = region;
    }
  });

  let own: FakeS3;
  beforeAll(async () => {
    own = await startFakeS3('stopping');
  });
  afterAll(() => own.close());

  it('turns a fake S3 (s3rver) stopped while serving into misses', async () => {
    const cache = createStoreCache(createS3Store({ bucket: own.bucket, prefix: '', endpoint: own.endpoint, region: 'us-east-1', forcePathStyle: true, timeoutMs: 300, maxObjectBytes: MAX_OBJECT }), {});
    await cache.open();
    await cache.write('photo', name(1), bytes(KB));
    expect(await cache.read('photo', name(1))).toEqual(bytes(KB));
    await own.stop();
    const fresh = createStoreCache(createS3Store({ bucket: own.bucket, prefix: '', endpoint: own.endpoint, region: 'us-east-1', forcePathStyle: true, timeoutMs: 300, maxObjectBytes: MAX_OBJECT }), {});
    expect(await fresh.read('photo', name(1))).toBeNull();
    expect(await fresh.write('photo', name(2), bytes(KB))).toMatchObject({ stored: false });
    expect(fresh.stats()).toMatchObject({ readFailures: 1, writeFailures: 1 });
  });
});
