import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';

// Debian's chromium package; .ci/run installs it.
export const CHROMIUM = '/usr/bin/chromium';

/** Debian's chromium, headless. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

export interface PageServer {
  /** `http://127.0.0.1:{port}`: an origin of its own, other than the API's. */
  origin: string;
  close(): Promise<void>;
}

/**
 * Serves files (path → content type and body) from 127.0.0.1 on a free port, so a page runs
 * on another origin than the server it calls, as a real site's page does. `files` is read
 * at each request: a test may add a page it has just made.
 */
export async function servePages(files: Record<string, { type: string; body: string }>): Promise<PageServer> {
  const server = http.createServer((request, response) => {
    const file = files[(request.url ?? '/').split('?', 1)[0] as string];
    if (!file) return response.writeHead(404).end();
    response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** The candidates of a srcset attribute (`url 320w, url 640w`), in their order. */
export function parseSrcSet(srcSet: string): Array<{ url: string; width: number }> {
  return srcSet.split(', ').map((entry) => {
    const [url = '', descriptor = ''] = entry.trim().split(/\s+/);
    return { url, width: Number(descriptor.replace(/w$/, '')) };
  });
}
