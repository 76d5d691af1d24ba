import { createHash } from 'node:crypto';
import { contentIdOf, createContentIds, type ContentFs, type FileIdentity } from '../../../src/images/content-id';
import { SourceGoneError } from '../../../src/images/transform';

/** Files in memory, each with an identity that a write, a touch or a replacement changes as a file system would. */
function memoryFs(chunkBytes = 4) {
  const files = new Map<string, { bytes: Buffer; identity: FileIdentity }>();
  let inode = 1;
  let clock = 1_000;
  const counters = { reads: 0, stats: 0 };
  const hooks: { afterChunk?: (file: string, index: number) => void } = {};

  const fs: ContentFs = {
    async stat(file) {
      counters.stats++;
      return files.get(file)?.identity ?? null;
    },
    async *read(file) {
      counters.reads++;
      const found = files.get(file);
      if (!found) throw Object.assign(new Error(`ENOENT: no such file, open '${file}'`), { code: 'ENOENT' });
      // Like a stream of a real file: each chunk is read when it is asked for, so a write meanwhile shows.
      for (let at = 0, index = 0; ; at += chunkBytes, index++) {
        await Promise.resolve();
        const current = files.get(file);
        if (!current) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
        if (at >= current.bytes.length) return;
        yield current.bytes.subarray(at, at + chunkBytes);
        hooks.afterChunk?.(file, index);
      }
    },
  };

  return {
    fs,
    counters,
    hooks,
    /** Writes the file in place: same inode, new size, times. */
    write(file: string, bytes: string | Buffer) {
      const data = Buffer.from(bytes);
      const known = files.get(file);
      clock++;
      files.set(file, { bytes: data, identity: { dev: 1, ino: known?.identity.ino ?? inode++, size: data.length, mtimeMs: clock, ctimeMs: clock } });
    },
    /** Sets the times, as `touch` does: the bytes stay, the identity changes. */
    touch(file: string) {
      const known = files.get(file)!;
      clock++;
      files.set(file, { bytes: known.bytes, identity: { ...known.identity, mtimeMs: clock, ctimeMs: clock } });
    },
    remove(file: string) {
      files.delete(file);
    },
    identity: (file: string) => files.get(file)!.identity,
  };
}

const gitSha256 = (bytes: string) => createHash('sha256').update(`blob ${Buffer.byteLength(bytes)}\0${bytes}`).digest('hex');

describe('content ids of source files', () => {
  it("are SHA-256 over git's blob framing: the object id a SHA-256 repository gives the file", async () => {
    const memory = memoryFs();
    memory.write('/a.jpg', 'the bytes of a, read in several chunks');
    const { id } = await createContentIds(memory.fs).identify('/a.jpg', memory.identity('/a.jpg'));
    expect(id).toBe(gitSha256('the bytes of a, read in several chunks'));
    expect(createHash('sha256').update('blob 0\0').digest('hex')).toBe('473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813');
  });

  it('of bytes in memory (a watermark) are those of a file with the same bytes', async () => {
    const memory = memoryFs();
    memory.write('/logo.png', 'logo bytes');
    expect(contentIdOf(Buffer.from('logo bytes'))).toBe((await createContentIds(memory.fs).identify('/logo.png', memory.identity('/logo.png'))).id);
    expect(contentIdOf(Buffer.from('logo bytes'))).toBe(gitSha256('logo bytes'));
  });

  it('stay the same for the same bytes at another time, in another file or on another machine', async () => {
    const one = memoryFs();
    const other = memoryFs();
    one.write('/a.jpg', 'same bytes');
    other.write('/elsewhere/b.jpg', 'x');
    other.write('/elsewhere/b.jpg', 'same bytes');
    const ids = createContentIds(one.fs);
    const first = await ids.identify('/a.jpg', one.identity('/a.jpg'));
    one.touch('/a.jpg');
    const touched = await ids.identify('/a.jpg', one.identity('/a.jpg'));
    const elsewhere = await createContentIds(other.fs).identify('/elsewhere/b.jpg', other.identity('/elsewhere/b.jpg'));
    expect(touched.id).toBe(first.id);
    expect(elsewhere.id).toBe(first.id);
    expect(touched.identity).toEqual(one.identity('/a.jpg'));
  });

  it('differ for different bytes, even of the same size', async () => {
    const memory = memoryFs();
    memory.write('/a.jpg', 'abcd');
    const ids = createContentIds(memory.fs);
    const before = await ids.identify('/a.jpg', memory.identity('/a.jpg'));
    memory.write('/a.jpg', 'abce');
    expect((await ids.identify('/a.jpg', memory.identity('/a.jpg'))).id).not.toBe(before.id);
  });

  it('read a file once per identity, however many ask at once (single flight), and not again while it stays', async () => {
    const memory = memoryFs();
    memory.write('/a.jpg', 'bytes read once');
    const ids = createContentIds(memory.fs);
    const seen = memory.identity('/a.jpg');
    const answers = await Promise.all(Array.from({ length: 20 }, () => ids.identify('/a.jpg', seen)));
    expect(new Set(answers.map((answer) => answer.id)).size).toBe(1);
    expect(memory.counters.reads).toBe(1);
    await ids.identify('/a.jpg', seen);
    expect(memory.counters.reads).toBe(1);
    expect(ids.stats()).toEqual({ files: 1, bytes: 15 });

    memory.touch('/a.jpg');
    await ids.identify('/a.jpg', memory.identity('/a.jpg'));
    expect(memory.counters.reads).toBe(2);
  });

  it('remember at most the bound, forgetting the least recently used', async () => {
    const memory = memoryFs();
    for (const name of ['/1', '/2', '/3']) memory.write(name, name);
    const ids = createContentIds(memory.fs, 2);
    const identify = (name: string) => ids.identify(name, memory.identity(name));
    await identify('/1');
    await identify('/2');
    await identify('/1');
    await identify('/3');
    expect(memory.counters.reads).toBe(3);
    await identify('/1');
    expect(memory.counters.reads).toBe(3);
    await identify('/2');
    expect(memory.counters.reads).toBe(4);
  });

  it('read again when the file changed while it was read, and answer for what it is now', async () => {
    const memory = memoryFs();
    memory.write('/a.jpg', 'first bytes!');
    const ids = createContentIds(memory.fs);
    const seen = memory.identity('/a.jpg');
    memory.hooks.afterChunk = (file, index) => {
      if (index !== 0) return;
      memory.hooks.afterChunk = undefined;
      memory.write(file, 'second bytes, longer');
    };
    const answer = await ids.identify('/a.jpg', seen);
    expect(answer).toEqual({ id: gitSha256('second bytes, longer'), identity: memory.identity('/a.jpg') });
    expect(memory.counters.reads).toBe(2);
    // What was read of the first identity is not taken for its bytes; the second identity is remembered.
    await ids.identify('/a.jpg', memory.identity('/a.jpg'));
    expect(memory.counters.reads).toBe(2);
    await ids.identify('/a.jpg', seen);
    expect(memory.counters.reads).toBe(3);
  });

  it('notice a rewrite of the same size within the same time stamp by the change time alone', async () => {
    const memory = memoryFs();
    memory.write('/a.jpg', 'abcd');
    const ids = createContentIds(memory.fs);
    const before = await ids.identify('/a.jpg', memory.identity('/a.jpg'));
    const { mtimeMs } = memory.identity('/a.jpg');
    memory.write('/a.jpg', 'wxyz');
    const rewritten = { ...memory.identity('/a.jpg'), mtimeMs };
    expect((await ids.identify('/a.jpg', rewritten)).id).not.toBe(before.id);
  });

  it('give up with an error on a file that keeps changing, remembering nothing', async () => {
    const memory = memoryFs();
    memory.write('/a.jpg', 'growing');
    const ids = createContentIds(memory.fs);
    memory.hooks.afterChunk = (file) => memory.write(file, `${Math.random()}`);
    await expect(ids.identify('/a.jpg', memory.identity('/a.jpg'))).rejects.toMatchObject({ code: 'UNSUPPORTED_IMAGE', message: 'The source file is being written; ask again once it is whole.' });
    expect(memory.counters.reads).toBe(3);
    memory.hooks.afterChunk = undefined;
    await ids.identify('/a.jpg', memory.identity('/a.jpg'));
    expect(memory.counters.reads).toBe(4);
  });

  it('say the source is gone when the file disappears before or while it is read', async () => {
    const memory = memoryFs();
    memory.write('/a.jpg', 'soon gone');
    memory.write('/b.jpg', 'gone while read');
    const ids = createContentIds(memory.fs);
    const seen = memory.identity('/a.jpg');
    memory.remove('/a.jpg');
    await expect(ids.identify('/a.jpg', seen)).rejects.toBeInstanceOf(SourceGoneError);
    memory.hooks.afterChunk = (file) => memory.remove(file);
    await expect(ids.identify('/b.jpg', memory.identity('/b.jpg'))).rejects.toBeInstanceOf(SourceGoneError);
  });

  it('let other failures through, and try again next time', async () => {
    const memory = memoryFs();
    memory.write('/a.jpg', 'unreadable for now');
    const failing: ContentFs = {
      stat: memory.fs.stat,
      read: () => ({
        [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })) }),
      }),
    };
    const ids = createContentIds(failing);
    await expect(ids.identify('/a.jpg', memory.identity('/a.jpg'))).rejects.toThrow('EACCES');
    await expect(ids.identify('/a.jpg', memory.identity('/a.jpg'))).rejects.toThrow('EACCES');
  });

  it('read at most two files at once however many are seen first at once, each in turn, and all of them', async () => {
    const memory = memoryFs(4);
    const names = Array.from({ length: 12 }, (_, i) => `/new-${i}.jpg`);
    for (const name of names) memory.write(name, `the bytes of ${name}, in a few chunks`);
    let open = 0;
    let most = 0;
    const counting: ContentFs = {
      stat: memory.fs.stat,
      async *read(file) {
        most = Math.max(most, ++open);
        try {
          yield* memory.fs.read(file);
        } finally {
          open--;
        }
      },
    };
    const ids = createContentIds(counting);
    const found = await Promise.all(names.map((name) => ids.identify(name, memory.identity(name))));
    expect(found.map((one) => one.id)).toEqual(names.map((name) => gitSha256(`the bytes of ${name}, in a few chunks`)));
    expect(memory.counters.reads).toBe(names.length);
    // Hashing runs on the event loop: more reads at once hash no faster, and a hit waits behind each chunk.
    expect(most).toBe(2);
  });
});
