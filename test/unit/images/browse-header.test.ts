import { createBrowser } from '../../../src/images/browse';
import type { ResolvedSource } from '../../../src/images/resolve';
import { SourceGoneError } from '../../../src/images/transform';

describe("a listed image's header", () => {
  const browser = createBrowser({ imagesRoot: '/srv/images', fs: {} as never, resolver: {} as never, transformer: {} as never, limiter: {} as never, meta: {} as never, maxPageSize: 100 });
  const found: ResolvedSource = { requestPath: 'cat', kind: 'ORIGINAL', relative: 'cat.jpg', file: '/srv/images/cat.jpg', size: 1, mtimeMs: 1, version: 'v' };

  it('is the header the request reads', async () => {
    const header = { width: 3, height: 2, hasAlpha: false, frames: 1, format: 'jpeg', takenAt: null, camera: null };
    await expect(browser.header(found, async () => header)).resolves.toBe(header);
  });

  it('is UNSUPPORTED_IMAGE, being written, when the file was written or went while it was read, not an unexpected failure', async () => {
    await expect(browser.header(found, () => Promise.reject(new SourceGoneError(new Error('written meanwhile'))))).rejects.toMatchObject({
      code: 'UNSUPPORTED_IMAGE',
      message: 'The source file is being written; ask again once it is whole.',
    });
  });
});
