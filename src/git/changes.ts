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
