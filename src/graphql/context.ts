import type { FastifyBaseLogger } from 'fastify';
import type { ImageDescriber } from './image-describer';

/** What every resolver gets: the request's id and logger, and per-request loaders. */
export interface GraphQLContext {
  requestId: string;
  log: FastifyBaseLogger;
  images: ImageDescriber;
}
