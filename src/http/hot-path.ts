import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { type Logger } from 'pino';
import { createMemo } from '../images/memo';
import type { HotVariant, ImageService, Variant } from '../images/service';
import { IMAGE_PREFIX } from '../signing/url-signer';
import type { Metrics } from './metrics';
import { MEMORY_BOUNDS } from '../memory-bounds';
import { COMMON_HEADERS, requestIdOf } from './request-ids';

export const IMAGE_ROUTE = `${IMAGE_PREFIX}*`;

const REMEMBERED_URLS = MEMORY_BOUNDS.hotUrls;

interface HotAnswer {
  readonly hot: HotVariant;
  /**
   * Name, value, name, value...: every header of the 200, the request id (second) and the
   * length (last) filled in for each answer. One array per URL, reused: writeHead reads it at once.
   */
  readonly headers: string[];
  /** The request line's fields from the method to the duration's name, written once per URL. */
  readonly lineFields: string;
}

type RequestLine = (reqId: string, lineFields: string, ms: number) => void;

/** The fields of a hot answer's request line that are the same for every request of `url`. */
function lineFieldsOf(url: string): string {
  return `,"method":"GET","url":${JSON.stringify(url)},"status":200,"ms":`;
}

/**
 * Writes a hot answer's request line as pino writes the route's (same fields in the same
 * order, to the same destination), built by hand: pino's general formatting of the fields
 * costs about a tenth of such a request.
 */
function requestLineWriter(logger: Logger, level: 'info' | 'debug'): RequestLine {
  // pino.symbols exposes, for integrations like this one, the logger's destination, its
  // timestamp and its bindings (pid, hostname) already serialised.
  const internals = logger as unknown as Record<symbol, unknown>;
  const destination = internals[pino.symbols.streamSym] as { write(line: string): void };
  const time = internals[pino.symbols.timeSym] as () => string;
  const bindings = internals[pino.symbols.chindingsSym] as string;
  const start = `{"level":${logger.levels.values[level]}`;
  // Request ids need no escaping: generated ones are hex and base 36, a client's must match REQUEST_ID.
  return (reqId, lineFields, ms) => {
    if (!logger.isLevelEnabled(level)) return;
    destination.write(`${start}${time()}${bindings},"reqId":"${reqId}"${lineFields}${ms},"cache":"HIT","msg":"request"}\n`);
  };
}

export interface HotPathOptions {
  service: ImageService;
  logger: Logger;
  metrics: Metrics | null;
  generateId(): string;
  /** Log each answer at info like other requests; otherwise at debug. */
  logHits: boolean;
}

/**
 * Answers repeated GETs of image URLs the route has answered before, below the framework:
 * a URL is remembered only after the route verified it and served its bytes, and it is
 * answered here only while its source needs no new look at the files (see
 * `--source-check-interval`) and its bytes are in memory. Everything else (a first request,
 * a conditional or HEAD request, a recheck, bytes only on disk) goes to the route.
 */
export function createHotPath(options: HotPathOptions) {
  const { service, logger } = options;
  const observe = options.metrics?.requestObserver(IMAGE_ROUTE, 200);
  const logRequest = requestLineWriter(logger, options.logHits ? 'info' : 'debug');
  const answers = createMemo<HotAnswer>(REMEMBERED_URLS);
  let stopped = false;

  /** Remembers the answer to a verified URL whose bytes were just served with `headers`. */
  function remember(url: string, variant: Variant, headers: Readonly<Record<string, string>>): void {
    // In lower case, as the framework sends them.
    const named = Object.entries({ ...COMMON_HEADERS, ...headers }).flatMap(([name, value]) => [name.toLowerCase(), value]);
    answers.set(url, {
      hot: service.hotVariant(variant),
      headers: ['x-request-id', '', ...named, 'content-length', ''],
      lineFields: lineFieldsOf(url),
    });
  }

  /** Answers the request and returns true, or returns false and leaves it to the framework. */
  function serve(request: IncomingMessage, response: ServerResponse): boolean {
    if (stopped || request.method !== 'GET' || request.headers['if-none-match'] !== undefined) return false;
    const known = answers.get(request.url as string);
    if (!known) return false;
    const data = service.loadHot(known.hot);
    if (!data) return false;

    const started = performance.now();
    const reqId = requestIdOf(request, options.generateId);
    const { headers } = known;
    headers[1] = reqId;
    headers[headers.length - 1] = String(data.length);
    response.writeHead(200, headers);
    response.end(data);
    const ms = performance.now() - started;
    observe?.(ms / 1000);
    logRequest(reqId, known.lineFields, Math.round(ms * 10) / 10);
    return true;
  }

  return {
    remember,
    serve,
    /** Leaves every request to the framework from now on (while the server closes). */
    stop: () => {
      stopped = true;
    },
  };
}

export type HotPath = ReturnType<typeof createHotPath>;
