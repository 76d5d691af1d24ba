import { promises as nodeFs } from 'node:fs';
import { createMemo } from '../memo';
import { MEMORY_BOUNDS } from '../memory-bounds';

/**
 * Keeps reads and writes inside a folder: a relative path is confined when its folder, as
 * far as it exists, is the real folder it names inside `root`, so a symbolic link in the
 * folder never leads a read or a write elsewhere (into the images folder, say). Paths are
 * `/`-separated checked segments (no empty or dot segments). With `remember` false every
 * look is made again: a folder others can write (a shared volume) may be swapped for a link
 * after it was confirmed.
 */
export function createConfinement(root: string, { remember = true }: { remember?: boolean } = {}) {
  // The folder's real path: a folder whose real path is elsewhere was reached through a link.
  let realRoot = root;
  // Paths whose folder was found to be a real folder inside: a second look costs nothing.
  const confirmed = createMemo<true>(MEMORY_BOUNDS.cacheFolders);

  return {
    /** Takes the folder's real path (at start-up, once it exists); what was confirmed is looked at again. */
    async open(): Promise<void> {
      realRoot = await nodeFs.realpath(root).catch(() => root);
      confirmed.clear();
    },

    async confined(relativePath: string): Promise<boolean> {
      if (confirmed.get(relativePath)) return true;
      for (let relative = relativePath; relative !== ''; relative = relative.includes('/') ? relative.slice(0, relative.lastIndexOf('/')) : '') {
        const real = await nodeFs.realpath(`${root}/${relative}`).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : null));
        if (real === undefined) continue;
        // Only a folder that exists is remembered: one made later is checked again when it is.
        const inside = real === `${realRoot}/${relative}`;
        if (inside && relative === relativePath && remember) confirmed.set(relativePath, true);
        return inside;
      }
      return true;
    },
  };
}

export type Confinement = ReturnType<typeof createConfinement>;
