// Bundled by clients.test.ts with esbuild for a Chromium page: the same operations through
// each GraphQL client people use, every one with its default settings. An ES module because
// graphql-request is published as ESM only; it never runs in Node.
import { ApolloClient, CombinedGraphQLErrors, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { cacheExchange, CombinedError, createClient as createUrqlClient, fetchExchange } from '@urql/core';
import { ClientError, GraphQLClient } from 'graphql-request';
import { createClient as createTypedClient, GoimgserverError } from '../../client/index.js';

export interface ImageResult {
  url: string;
  path: string;
  source: string;
  width: number;
  height: number;
  format: string;
}

export interface ResponsiveResult {
  src: string;
  srcSet: string;
  sizes: string;
  width: number;
  height: number;
  sources: Array<{ type: string; srcSet: string }>;
}

export interface ClearResult {
  clearedFiles: number;
  freedBytes: number;
  /** Asked for where the client lets us write the document (not the typed client's helpers). */
  __typename?: string;
}

/** What one client got back from the server. */
export interface Outcome {
  image: ImageResult;
  /** `images` may come to answer `null` at a failing item's index: read the good paths only. */
  images: Array<ImageResult | null>;
  responsive: ResponsiveResult;
  /** clearCache with the administrator's token. */
  cleared: ClearResult;
  /** extensions.code of clearCache without a token. */
  refused: string | undefined;
}

/** The variables of the three queries, chosen by the test. */
export interface Requests {
  image: { path: string; width: number };
  images: { paths: string[]; width: number };
  responsive: { path: string; widths: number[]; sizes: string };
}

const IMAGE_FIELDS = 'url path source width height format';
const IMAGE_QUERY = `query Image($path: String!, $width: Int) { image(path: $path, width: $width) { ${IMAGE_FIELDS} } }`;
const IMAGES_QUERY = `query Images($paths: [String!]!, $width: Int) { images(paths: $paths, width: $width) { ${IMAGE_FIELDS} } }`;
const RESPONSIVE_QUERY = `query Responsive($path: String!, $widths: [Int!], $sizes: String) {
  responsive(path: $path, widths: $widths, sizes: $sizes) { src srcSet sizes width height sources { type srcSet } }
}`;
const CLEAR_CACHE = 'mutation ClearCache { clearCache { __typename clearedFiles freedBytes } }';

interface Adapter {
  image(variables: Requests['image']): Promise<ImageResult>;
  images(variables: Requests['images']): Promise<Array<ImageResult | null>>;
  responsive(variables: Requests['responsive']): Promise<ResponsiveResult>;
  clearCache(): Promise<ClearResult>;
  /** The server's extensions.code in an error, as this library hands errors over. */
  codeOf(error: unknown): string | undefined;
}

type Send = (document: string, variables: Record<string, unknown>, kind: 'query' | 'mutation') => Promise<Record<string, unknown>>;

/** The four operations as written documents, for the clients that take any document. */
function overDocuments(send: Send, codeOf: Adapter['codeOf']): Adapter {
  return {
    image: async (variables) => (await send(IMAGE_QUERY, variables, 'query')).image as ImageResult,
    images: async (variables) => (await send(IMAGES_QUERY, variables, 'query')).images as Array<ImageResult | null>,
    responsive: async (variables) => (await send(RESPONSIVE_QUERY, variables, 'query')).responsive as ResponsiveResult,
    clearCache: async () => (await send(CLEAR_CACHE, {}, 'mutation')).clearCache as ClearResult,
    codeOf,
  };
}

const bearer = (token: string | undefined): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

class FetchGraphQLError extends Error {
  constructor(readonly errors: Array<{ message: string; extensions?: { code?: string } }>) {
    super(errors[0]?.message);
  }
}

const CLIENTS = {
  apollo: (url: string, token?: string) => {
    const client = new ApolloClient({ link: new HttpLink({ uri: url, headers: bearer(token) }), cache: new InMemoryCache() });
    return overDocuments(
      async (document, variables, kind) => {
        const result = kind === 'mutation' ? await client.mutate({ mutation: gql(document), variables }) : await client.query({ query: gql(document), variables });
        return result.data as Record<string, unknown>;
      },
      (error) => (CombinedGraphQLErrors.is(error) ? (error.errors[0]?.extensions?.code as string | undefined) : undefined),
    );
  },
  urql: (url: string, token?: string) => {
    const client = createUrqlClient({ url, exchanges: [cacheExchange, fetchExchange], fetchOptions: { headers: bearer(token) } });
    return overDocuments(
      async (document, variables, kind) => {
        const result = await (kind === 'mutation' ? client.mutation(document, variables) : client.query(document, variables)).toPromise();
        if (result.error) throw result.error;
        return result.data as Record<string, unknown>;
      },
      (error) => (error instanceof CombinedError ? (error.graphQLErrors[0]?.extensions.code as string | undefined) : undefined),
    );
  },
  'graphql-request': (url: string, token?: string) => {
    const client = new GraphQLClient(url, { headers: bearer(token) });
    return overDocuments(
      (document, variables) => client.request<Record<string, unknown>>(document, variables),
      (error) => (error instanceof ClientError ? (error.response.errors?.[0]?.extensions?.code as string | undefined) : undefined),
    );
  },
  typed: (url: string, token?: string): Adapter => {
    const client = createTypedClient(token ? { url, token } : { url });
    return {
      image: (variables) => client.image(variables),
      // The typed client hands a failed path back as its error; the matrix compares data only.
      images: async (variables) => (await client.images(variables)).map((item) => (item instanceof GoimgserverError ? null : item)),
      responsive: (variables) => client.responsive(variables),
      clearCache: () => client.clearCache(),
      codeOf: (error) => (error instanceof GoimgserverError ? error.code : undefined),
    };
  },
  fetch: (url: string, token?: string) =>
    overDocuments(
      async (document, variables) => {
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(token) }, body: JSON.stringify({ query: document, variables }) });
        const answer = (await response.json()) as { data?: Record<string, unknown>; errors?: FetchGraphQLError['errors'] };
        if (answer.errors?.length) throw new FetchGraphQLError(answer.errors);
        return answer.data as Record<string, unknown>;
      },
      (error) => (error instanceof FetchGraphQLError ? error.errors[0]?.extensions?.code : undefined),
    ),
} satisfies Record<string, (url: string, token?: string) => Adapter>;

export type ClientName = keyof typeof CLIENTS;

/** The public queries as anyone, clearCache as the administrator, and clearCache again without the token. */
export async function exercise(name: ClientName, url: string, token: string, requests: Requests): Promise<Outcome> {
  const anyone = CLIENTS[name](url);
  const admin = CLIENTS[name](url, token);
  const image = await anyone.image(requests.image);
  const images = await anyone.images(requests.images);
  const responsive = await anyone.responsive(requests.responsive);
  const cleared = await admin.clearCache();
  const refused = await anyone.clearCache().then(
    () => undefined,
    (error: unknown) => anyone.codeOf(error),
  );
  return { image, images, responsive, cleared, refused };
}

/** A public query, then clearCache with the token: the second answers the error's message when it fails. */
export async function administerFromElsewhere(name: ClientName, url: string, token: string, request: Requests['image']): Promise<{ image: ImageResult; administer: string }> {
  const image = await CLIENTS[name](url).image(request);
  const administer = await CLIENTS[name](url, token)
    .clearCache()
    .then(
      () => 'administered',
      (error: unknown) => String(error),
    );
  return { image, administer };
}

/** `responsive` through the typed client, as the `<picture>` markup a page would write (relative URLs made absolute). */
export async function picture(url: string, request: Requests['responsive']): Promise<{ responsive: ResponsiveResult; html: string }> {
  const responsive = await createTypedClient({ url }).responsive(request);
  const origin = new URL(url).origin;
  const absolute = (srcSet: string) => srcSet.split(', ').map((entry) => origin + entry).join(', ').replaceAll('&', '&amp;');
  const html = `<picture>
${responsive.sources.map((s) => `<source type="${s.type}" srcset="${absolute(s.srcSet)}" sizes="${responsive.sizes}">`).join('\n')}
<img src="${absolute(responsive.src)}" srcset="${absolute(responsive.srcSet)}" sizes="${responsive.sizes}" width="${responsive.width}" height="${responsive.height}" alt="" style="display: block; width: 100%; height: auto">
</picture>`;
  return { responsive, html };
}
