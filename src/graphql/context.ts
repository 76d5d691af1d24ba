import type { FastifyBaseLogger } from 'fastify';
import type { Caller, Identify } from '../auth/identify';
import type { AdminOperations } from './admin-operations';
import type { ImageDescriber } from './image-describer';

/** What every resolver gets: the request's id, logger and caller, and per-request loaders. */
export interface GraphQLContext {
  requestId: string;
  log: FastifyBaseLogger;
  caller: Caller;
  images: ImageDescriber;
  admin: AdminOperations;
}

export interface ContextSources {
  identify: Identify;
  describer(): ImageDescriber;
  admin(log: FastifyBaseLogger, caller: Caller): AdminOperations;
}

/** Builds each request's context from the HTTP request. */
export function createContextFactory(sources: ContextSources) {
  return (request: { id: string; log: FastifyBaseLogger; headers: { authorization?: string | undefined } }): GraphQLContext => {
    const caller = sources.identify(request.headers.authorization);
    return { requestId: request.id, log: request.log, caller, images: sources.describer(), admin: sources.admin(request.log, caller) };
  };
}
