// What the playground lets GraphiQL keep across reloads. GraphiQL 5 keeps its state in the
// `storage` it is given (localStorage by default), under `graphiql:` keys. With
// shouldPersistHeaders off it still writes each run's headers into its history
// (`graphiql:queries`, `graphiql:favorites`), so an admin token typed into the Headers
// editor would stay in the browser after the tab is closed.

/** The part of the Web Storage API that GraphiQL's `storage` prop uses. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
  clear(): void;
  readonly length: number;
}

/** A persistent store that lists its keys: localStorage, or a fake in tests. */
export interface Backing {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
  keys(): string[];
}

const NAMESPACE = 'graphiql:';

// Kept as written: the editors' text and layout preferences.
const VERBATIM = new Set(['query', 'variables', 'visiblePlugin', 'theme', 'docExplorerFlex', 'editorFlex', 'secondaryEditorFlex'].map((key) => NAMESPACE + key));
// JSON whose `headers` fields (each tab's, each history entry's) are emptied before it is kept.
const SCRUBBED = new Set(['tabState', 'queries', 'favorites'].map((key) => NAMESPACE + key));

function withoutHeaders(json: string): string | undefined {
  try {
    // null, as GraphiQL itself writes for headers it does not persist (a tab needs the field).
    return JSON.stringify(JSON.parse(json), (key, value: unknown) => (key === 'headers' ? null : value));
  } catch {
    return undefined;
  }
}

/**
 * GraphiQL's storage: queries, variables, tabs and history persist in `backing` with every
 * header removed; `graphiql:headers` and any key not listed above (such as one a later
 * GraphiQL adds) live in this page's memory only, so they are gone after a reload. Headers
 * an earlier playground left in `backing` are removed at once.
 */
export function createPlaygroundStorage(backing: Backing): StorageLike {
  const memory = new Map<string, string>();
  const persisted = () => backing.keys().filter((key) => key.startsWith(NAMESPACE));

  function setItem(key: string, value: string): void {
    if (VERBATIM.has(key)) return backing.setItem(key, value);
    if (!SCRUBBED.has(key)) return void memory.set(key, value);
    const kept = withoutHeaders(value);
    if (kept === undefined) backing.removeItem(key);
    else backing.setItem(key, kept);
  }

  for (const key of persisted()) {
    const value = backing.getItem(key);
    if (SCRUBBED.has(key) && value !== null) setItem(key, value);
    else if (!VERBATIM.has(key)) backing.removeItem(key);
  }

  return {
    getItem: (key) => (VERBATIM.has(key) || SCRUBBED.has(key) ? backing.getItem(key) : (memory.get(key) ?? null)),
    setItem,
    removeItem(key) {
      backing.removeItem(key);
      memory.delete(key);
    },
    clear() {
      for (const key of persisted()) backing.removeItem(key);
      memory.clear();
    },
    get length() {
      return persisted().length + memory.size;
    },
  };
}
