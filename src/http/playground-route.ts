import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { AppError } from '../errors';
import { sendError } from './errors';

export const PLAYGROUND_PATH = '/playground';

/** Where `npm run build` puts the bundle: `dist/playground`, from `src/http` and from `dist/http` alike. */
export const PLAYGROUND_ASSETS = path.resolve(__dirname, '../../dist/playground');

const TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ttf': 'font/ttf',
};

// Everything from this server; Monaco's styles are injected inline and its workers may start from blobs.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>goimgserver playground</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${PLAYGROUND_PATH}/playground.css">
<style>html, body, #root { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="root"></div>
<script type="module" src="${PLAYGROUND_PATH}/playground.js"></script>
</body>
</html>
`;

/**
 * `GET /playground` and its assets, read once into memory from the build output. Without
 * a build there is nothing to serve: the page says so and the log tells how to fix it.
 */
export async function registerPlayground(app: FastifyInstance, options: { assetsDir: string; log: FastifyBaseLogger }): Promise<void> {
  const assets = new Map<string, { body: Buffer; type: string }>();
  const names = await readdir(options.assetsDir).catch(() => []);
  for (const name of names) {
    const type = TYPES[path.extname(name)];
    if (type) assets.set(name, { body: await readFile(path.join(options.assetsDir, name)), type });
  }
  const built = assets.has('playground.js');
  if (!built) options.log.warn({ dir: options.assetsDir }, 'playground assets missing: run npm run build');

  app.get(PLAYGROUND_PATH, async (request, reply) => {
    if (!built) return sendError(new AppError('NOT_FOUND', 'The playground was not built (npm run build).'), request, reply);
    return reply.type('text/html; charset=utf-8').header('Content-Security-Policy', CSP).header('Cache-Control', 'no-cache').send(PAGE);
  });

  app.get<{ Params: { file: string } }>(`${PLAYGROUND_PATH}/:file`, async (request, reply) => {
    const asset = assets.get(request.params.file);
    if (!asset) return sendError(new AppError('NOT_FOUND', 'No such playground file.'), request, reply);
    return reply.type(asset.type).header('Cache-Control', 'public, max-age=3600').send(asset.body);
  });
}

/** A browser opening the GraphQL endpoint itself (an HTML GET without a query) is sent to the playground. */
export function wantsPlayground(request: { method: string; headers: { accept?: string | undefined }; query: unknown }): boolean {
  const query = request.query as Record<string, unknown> | undefined;
  return request.method === 'GET' && (request.headers.accept ?? '').includes('text/html') && !query?.query;
}
