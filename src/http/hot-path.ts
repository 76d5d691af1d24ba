import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { type Logger } from 'pino';
import type { Serve, ServedFacts } from '../images/serve';
import { IMAGE_PREFIX } from '../signing/url-signer';
import type { Metrics } from './metrics';
import { COMMON_HEADERS, requestIdOf } from './request-ids';

export const IMAGE_ROUTE = `${IMAGE_PREFIX}*`;

/** A replayed answer's response, built once per remembered answer. */
interface Wire {
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
  serve: Serve;
  /** The headers the route sends with the bytes of a variant. */
  headersOf(facts: ServedFacts): Record<string, string>;
  logger: Logger;
  metrics: Metrics | null;
  generateId(): string;
  /** Log each answer at info like other requests; otherwise at debug. */
  logHits: boolean;
}

/**
 * Answers repeated GETs of image URLs below the framework, from `serve`'s memo of verified
 * answers (`replay`) and nothing else: a URL is replayed only after `serve` verified it and
 * served its bytes, and only while its source needs no new look at the files (see
 * `--source-check-interval`) and its bytes are in memory. Everything else (a first request,
 * a conditional or HEAD request, a recheck, bytes only on disk) goes to the route.
 */
export function createHotPath(options: HotPathOptions) {
  const { serve, logger } = options;
  const observe = options.metrics?.requestObserver(IMAGE_ROUTE, 200);
  const logRequest = requestLineWriter(logger, options.logHits ? 'info' : 'debug');
  // Keyed by the remembered answer's facts, which live as long as serve remembers the URL.
  const wires = new WeakMap<ServedFacts, Wire>();
  let stopped = false;

  function wireOf(url: string, facts: ServedFacts): Wire {
    let wire = wires.get(facts);
    if (!wire) {
      const headers = { ...COMMON_HEADERS, ...options.headersOf(facts), 'content-type': facts.contentType, 'x-cache-status': 'HIT' };
      // In lower case, as the framework sends them.
      const named = Object.entries(headers).flatMap(([name, value]) => [name.toLowerCase(), value]);
      wire = { headers: ['x-request-id', '', ...named, 'content-length', ''], lineFields: lineFieldsOf(url) };
      wires.set(facts, wire);
    }
    return wire;
  }

  /** Answers the request and returns true, or returns false and leaves it to the framework. */
  function answer(request: IncomingMessage, response: ServerResponse): boolean {
    if (stopped || request.method !== 'GET' || request.headers['if-none-match'] !== undefined) return false;
    const url = request.url as string;
    const replayed = serve.replay(url);
    if (!replayed) return false;

    const started = performance.now();
    const reqId = requestIdOf(request, options.generateId);
    const { headers, lineFields } = wireOf(url, replayed.facts);
    headers[1] = reqId;
    headers[headers.length - 1] = String(replayed.data.length);
    response.writeHead(200, headers);
    response.end(replayed.data);
    const ms = performance.now() - started;
    observe?.(ms / 1000);
    logRequest(reqId, lineFields, Math.round(ms * 10) / 10);
    return true;
  }

  return {
    answer,
    /** Leaves every request to the framework from now on (while the server closes). */
    stop: () => {
      stopped = true;
    },
  };
}

export type HotPath = ReturnType<typeof createHotPath>;
