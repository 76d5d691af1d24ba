// The admin playground: GraphiQL with its schema explorer and headers editor, bundled at
// build time by scripts/build-playground.js so that it loads nothing from the internet.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { createPlaygroundStorage } from './storage';

// Monaco runs its language services in workers, bundled as files beside this one.
globalThis.MonacoEnvironment = {
  getWorker(_workerId, label) {
    const name = label === 'json' || label === 'graphql' ? label : 'editor';
    return new Worker(new URL(`./${name}.worker.js`, import.meta.url), { type: 'module' });
  },
};

const DEFAULT_QUERY = `# goimgserver: ask for images. Administrative fields (cacheStats, clearCache,
# syncImages, ...) need a token that the server reads from GOIMGSERVER_ADMIN_TOKENS
# (comma-separated name:token pairs): put {"authorization": "Bearer <token>"} under
# Headers below. Headers stay in this page's memory, never in the browser's storage,
# so type the token again after a reload.
# An image, and a gallery of a folder: a page of its images, each with its <picture> candidates.
query Gallery {
  image(path: "landscape", width: 300) {
    url
    width
    height
    format
    source
  }
  folder(path: "") {
    folders { nodes { path } }
    images(first: 12) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        path
        width
        height
        takenAt
        responsive(widths: [320, 640]) { src srcSet sizes }
      }
    }
  }
}
`;

// A query in the address (?query=...) opens in the editor, so links can share one.
const initialQuery = new URLSearchParams(location.search).get('query') ?? undefined;

// Queries, variables, tabs and history are kept in localStorage without their headers, so
// the work survives a reload and a token never does (see storage.ts).
const storage = createPlaygroundStorage({
  getItem: (key) => localStorage.getItem(key),
  setItem: (key, value) => localStorage.setItem(key, value),
  removeItem: (key) => localStorage.removeItem(key),
  keys: () => Object.keys(localStorage),
});

createRoot(document.getElementById('root')).render(
  createElement(
    GraphiQL,
    {
      fetcher: createGraphiQLFetcher({ url: '/graphql' }),
      defaultQuery: DEFAULT_QUERY,
      initialQuery,
      storage,
      // Also hides GraphiQL's "persist headers" switch.
      shouldPersistHeaders: false,
    },
    // The hint stays in view when a restored tab replaces the default query.
    createElement(
      GraphiQL.Footer,
      null,
      'Admin tokens come from the server\'s GOIMGSERVER_ADMIN_TOKENS (name:token pairs): send one as {"authorization": "Bearer <token>"} under Headers. Headers are kept in memory only.',
    ),
  ),
);
