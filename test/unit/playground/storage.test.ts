import { createPlaygroundStorage, type Backing } from '../../../playground/storage';

const TOKEN = '{"authorization": "Bearer admin-token-0123456789"}';

/** localStorage as a Map, with whatever else the page's origin keeps. */
function fakeLocalStorage(entries: Record<string, string> = {}): Backing & { map: Map<string, string> } {
  const map = new Map(Object.entries(entries));
  return {
    map,
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => void map.set(key, value),
    removeItem: (key) => void map.delete(key),
    keys: () => [...map.keys()],
  };
}

const tabs = (headers: string | null) =>
  JSON.stringify({ tabs: [{ id: '1', hash: null, title: 'Stats', query: '{ cacheStats { files } }', variables: '{}', headers, operationName: 'Stats', response: null }], activeTabIndex: 0 });

describe('the playground storage', () => {
  it('keeps the query and the variables as written', () => {
    const backing = fakeLocalStorage();
    const storage = createPlaygroundStorage(backing);
    storage.setItem('graphiql:query', '# a comment\n{ image(path: "a") { url } }');
    storage.setItem('graphiql:variables', '{\n  "headers": "a variable named headers"\n}');
    expect(Object.fromEntries(backing.map)).toEqual({
      'graphiql:query': '# a comment\n{ image(path: "a") { url } }',
      'graphiql:variables': '{\n  "headers": "a variable named headers"\n}',
    });
  });

  it('keeps tabs and history with every header emptied', () => {
    const backing = fakeLocalStorage();
    const storage = createPlaygroundStorage(backing);
    storage.setItem('graphiql:tabState', tabs(TOKEN));
    storage.setItem('graphiql:queries', JSON.stringify({ queries: [{ query: '{ cacheStats { files } }', headers: TOKEN }] }));
    storage.setItem('graphiql:favorites', JSON.stringify({ favorites: [{ query: '{ syncStatus { running } }', headers: TOKEN, favorite: true }] }));
    expect([...backing.map.values()].join()).not.toContain('admin-token');
    expect(storage.getItem('graphiql:tabState')).toBe(tabs(null));
    expect(JSON.parse(storage.getItem('graphiql:queries')!)).toEqual({ queries: [{ query: '{ cacheStats { files } }', headers: null }] });
    expect(JSON.parse(storage.getItem('graphiql:favorites')!)).toEqual({ favorites: [{ query: '{ syncStatus { running } }', headers: null, favorite: true }] });
  });

  it('keeps headers and keys it does not know in memory only, gone with the page', () => {
    const backing = fakeLocalStorage();
    const storage = createPlaygroundStorage(backing);
    storage.setItem('graphiql:headers', TOKEN);
    storage.setItem('graphiql:somethingNew', TOKEN);
    expect(storage.getItem('graphiql:headers')).toBe(TOKEN);
    expect(storage.length).toBe(2);
    expect(backing.map.size).toBe(0);
    expect(createPlaygroundStorage(backing).getItem('graphiql:headers')).toBeNull();
  });

  it('does not keep tabs or history it cannot read', () => {
    const backing = fakeLocalStorage({ 'graphiql:tabState': tabs(null) });
    createPlaygroundStorage(backing).setItem('graphiql:tabState', `{"tabs": [${TOKEN}`);
    expect(backing.map.has('graphiql:tabState')).toBe(false);
  });

  it('removes the headers an earlier playground left, and nothing of the rest of the page', () => {
    const backing = fakeLocalStorage({
      'graphiql:queries': JSON.stringify({ queries: [{ query: '{ cacheStats { files } }', headers: TOKEN }] }),
      'graphiql:tabState': tabs(TOKEN),
      'graphiql:headers': TOKEN,
      'graphiql:shouldPersistHeaders': 'true',
      'graphiql:query': '{ cacheStats { files } }',
      'another-app': TOKEN,
    });
    const storage = createPlaygroundStorage(backing);
    expect(Object.fromEntries(backing.map)).toEqual({
      'graphiql:queries': JSON.stringify({ queries: [{ query: '{ cacheStats { files } }', headers: null }] }),
      'graphiql:tabState': tabs(null),
      'graphiql:query': '{ cacheStats { files } }',
      'another-app': TOKEN,
    });
    storage.clear();
    expect(Object.fromEntries(backing.map)).toEqual({ 'another-app': TOKEN });
  });
});
