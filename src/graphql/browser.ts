import path from 'node:path';
import { BROWSE_BOUNDS, type Browser, type FolderListing, type Page, type PageRequest, type ResolvedSource, type SourceOrder } from '../images/browse';
import { badInput } from '../errors';
import type { Folder, FolderConnection, PageInfo, SourceImage, SourceImageConnection } from './browse.type';
import type { ImageDescriber } from './image-describer';

function pageInfo<T>(page: Page<T>): PageInfo {
  return {
    hasNextPage: page.hasNextPage,
    hasPreviousPage: page.hasPreviousPage,
    startCursor: page.items[0]?.cursor ?? null,
    endCursor: page.items[page.items.length - 1]?.cursor ?? null,
  };
}

/** A page in the Relay connection shape, each item made a node by `nodeOf`. */
function connectionOf<T, N>(page: Page<T>, nodeOf: (item: T) => N) {
  const edges = page.items.map(({ item, cursor }) => ({ cursor, node: nodeOf(item) }));
  return { edges, nodes: edges.map((edge) => edge.node), pageInfo: pageInfo(page), totalCount: page.totalCount };
}

/**
 * Answers `folder`, `source` and the fields of their types from the domain's browser. Each
 * folder is listed once per request, and source headers are read through the request's
 * DataLoader, which the image fields of the same nodes share.
 */
export function createBrowseAdapter(browser: Browser) {
  return function forRequest(images: Pick<ImageDescriber, 'readHeader' | 'admitRender'>) {
    const listings = new Map<string, Promise<FolderListing | null>>();
    const spent = { entries: 0, dated: 0 };
    const listing = (folderPath: string) => {
      let found = listings.get(folderPath);
      if (!found) {
        found = browser.folder(folderPath).then((listed) => {
          spent.entries += listed ? listed.folders.length + listed.images.length : 0;
          if (spent.entries > BROWSE_BOUNDS.entriesPerRequest) throw badInput('folder', `at most ${BROWSE_BOUNDS.entriesPerRequest} folder entries listed in one request`, `${spent.entries} entries`);
          return listed;
        });
        listings.set(folderPath, found);
      }
      return found;
    };
    const folderNode = (found: FolderListing): Folder => ({ path: found.path, name: found.name });
    const node = (source: ResolvedSource): SourceImage => {
      const folder = path.posix.dirname(source.relative);
      return { path: source.relative, name: path.posix.basename(source.relative), folder: folder === '.' ? '' : folder, bytes: source.size, version: source.version, source };
    };
    /** The listing of a folder handed out earlier in this request (it was there then). */
    const listed = async (folder: Folder): Promise<FolderListing> => (await listing(folder.path)) ?? { path: folder.path, name: folder.name, folders: [], images: [] };

    return {
      folder: async (folderPath: string): Promise<Folder | null> => {
        const found = await listing(folderPath);
        return found && folderNode(found);
      },
      source: async (sourcePath: string): Promise<SourceImage | null> => {
        const found = await browser.source(sourcePath);
        return found && node(found);
      },
      async images(folder: Folder, request: PageRequest & { orderBy?: SourceOrder | null }): Promise<SourceImageConnection> {
        const found = await listed(folder);
        if (request.orderBy === 'takenAt') {
          spent.dated += found.images.length;
          if (spent.dated > BROWSE_BOUNDS.datedPerRequest) throw badInput('orderBy', `NAME once ${BROWSE_BOUNDS.datedPerRequest} images were sorted by date in one request`, 'TAKEN_AT');
        }
        return connectionOf(await browser.images(found, request.orderBy ?? 'name', request, images.readHeader), (item) => item && node(item));
      },
      async folders(folder: Folder, request: PageRequest): Promise<FolderConnection> {
        return connectionOf(browser.folders(await listed(folder), request), (item) => ({ path: item, name: path.posix.basename(item) }));
      },
      defaultImage: async (folder: Folder): Promise<SourceImage | null> => {
        const found = await browser.defaultImage(await listed(folder));
        return found && node(found);
      },
      header: (image: SourceImage) => browser.header(image.source, images.readHeader),
      meta: (image: SourceImage) => browser.meta(image.source),
      metaProblems: async (folder: Folder) => browser.metaProblems(await listed(folder)),
      dominantColor: (image: SourceImage) => browser.dominantColour(image.source, images.admitRender),
    };
  };
}

export type BrowseAdapter = ReturnType<ReturnType<typeof createBrowseAdapter>>;
