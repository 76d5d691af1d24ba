export type ChangeKind = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface FileChange {
  /** Path inside the repository, `/`-separated. */
  readonly path: string;
  readonly change: ChangeKind;
}

const KINDS: Readonly<Record<string, ChangeKind>> = { A: 'ADDED', D: 'DELETED' };

/**
 * Reads `git diff --no-renames --name-status -z`: a status letter and a path per entry,
 * each NUL-terminated. Everything but an addition or a deletion (content, mode or type
 * changes) counts as a modification.
 */
export function parseNameStatus(output: string): FileChange[] {
  const fields = output.split('\0');
  const changes: FileChange[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const status = fields[i] as string;
    const path = fields[i + 1] as string;
    if (status === '' || path === '') break;
    changes.push({ path, change: KINDS[status.charAt(0)] ?? 'MODIFIED' });
  }
  return changes;
}

/** Paths of the symbolic links `git ls-files --stage -z` lists (mode 120000). */
export function parseSymlinks(output: string): string[] {
  return output
    .split('\0')
    .filter((entry) => entry.startsWith('120000 '))
    .map((entry) => entry.slice(entry.indexOf('\t') + 1));
}

/**
 * The changed paths, and each of them as spelled through a symbolic link that leads to it or
 * to a folder above it (`links`: link path → the path inside the checkout it leads to), since
 * requests name images through links too.
 */
export function spelledThroughLinks(changed: Iterable<string>, links: ReadonlyMap<string, string>): Set<string> {
  const all = new Set(changed);
  for (const file of [...all]) {
    for (const [link, target] of links) {
      if (file === target || file.startsWith(`${target}/`)) all.add(link + file.slice(target.length));
    }
  }
  return all;
}
