// The admin playground: GraphiQL with its schema explorer and headers editor, bundled at
// build time by scripts/build-playground.js so that it loads nothing from the internet.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';

// Monaco runs its language services in workers, bundled as files beside this one.
globalThis.MonacoEnvironment = {
  getWorker(_workerId, label) {
    const name = label === 'json' || label === 'graphql' ? label : 'editor';
    return new Worker(new URL(`./${name}.worker.js`, import.meta.url), { type: 'module' });
  },
};

const DEFAULT_QUERY = `# goimgserver: ask for images; administrators add
# {"authorization": "Bearer <token>"} under Headers below.
query Landscape {
  image(path: "landscape", width: 300) {
    url
    width
    height
    format
    source
  }
}
`;

// A query in the address (?query=...) opens in the editor, so links can share one.
const initialQuery = new URLSearchParams(location.search).get('query') ?? undefined;

createRoot(document.getElementById('root')).render(
  createElement(GraphiQL, {
    fetcher: createGraphiQLFetcher({ url: '/graphql' }),
    defaultQuery: DEFAULT_QUERY,
    initialQuery,
    // A token typed into the headers editor stays in this tab, never in localStorage.
    shouldPersistHeaders: false,
  }),
);
