import { BROWSE_BOUNDS, type Browser, type FolderListing } from '../../../src/images/browse';
import { createBrowseAdapter } from '../../../src/graphql/browser';

/** A browser whose folders each hold `images` images: what the adapter bounds per request, without files. */
function browserOf(images: number): Browser {
  const listing = (folderPath: string): FolderListing => ({ path: folderPath, name: folderPath, folders: [], images: Array.from({ length: images }, (_, i) => `${folderPath}/${i}.jpg`) });
  return {
    folder: async (folderPath: string) => listing(folderPath),
    images: async () => ({ items: [], hasNextPage: false, hasPreviousPage: false, totalCount: images }),
  } as unknown as Browser;
}

const request = { readHeader: async () => Promise.reject(new Error('unused')), admitRender: async () => undefined };

describe('browsing bounds per request', () => {
  it('refuses listings past the entries one request may read, however cheap the document', async () => {
    const browse = createBrowseAdapter(browserOf(BROWSE_BOUNDS.entriesPerRequest / 2))(request);
    await browse.folder('a');
    await browse.folder('b');
    // Listed again in the same request: read once, counted once.
    await browse.folder('a');
    await expect(browse.folder('c')).rejects.toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining(`at most ${BROWSE_BOUNDS.entriesPerRequest} folder entries`) });
  });

  it('refuses sorting by date past the headers one request may read', async () => {
    const browse = createBrowseAdapter(browserOf(BROWSE_BOUNDS.datedPerRequest / 2))(request);
    const byDate = (folderPath: string) => browse.images({ path: folderPath, name: folderPath }, { orderBy: 'takenAt' });
    await byDate('a');
    await byDate('b');
    await expect(byDate('c')).rejects.toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('for orderBy') });
    // By name costs no header.
    await expect(browse.images({ path: 'c', name: 'c' }, { orderBy: 'name' })).resolves.toMatchObject({ totalCount: BROWSE_BOUNDS.datedPerRequest / 2 });
  });
});
