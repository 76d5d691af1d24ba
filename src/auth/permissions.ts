import type { GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { allow, deny, rule, shield } from 'graphql-shield';
import { AppError } from '../errors';
import type { Caller } from './identify';

/** What the rules read from the GraphQL context. */
export interface AuthContext {
  caller: Caller;
}

const isAdmin = rule({ cache: 'contextual' })((_parent, _args, context: AuthContext) => {
  switch (context.caller.kind) {
    case 'admin':
      return true;
    case 'anonymous':
      return new AppError('UNAUTHENTICATED', 'This needs an administrator: send Authorization: Bearer <token>.');
    case 'unknown-token':
      return new AppError('FORBIDDEN', 'The bearer token is not an administrator token.');
  }
});

/**
 * Who can do what, in one place. Image queries are public; everything that changes the
 * server or tells about its state needs an administrator. Whatever is not listed here is
 * denied (`fallbackRule: deny`); result types are allowed as a whole, since only the root
 * fields decide access.
 */
export const PERMISSIONS = {
  Query: {
    image: allow,
    images: allow,
    cacheStats: isAdmin,
  },
  Mutation: {
    clearCache: isAdmin,
  },
  Image: allow,
  CacheStats: allow,
  CacheClearResult: allow,
};

/** The schema with the permission tree applied to every field. */
export function protect(schema: GraphQLSchema): GraphQLSchema {
  const permissions = shield(PERMISSIONS, {
    fallbackRule: deny,
    // Resolver errors keep their own codes; only denials become FORBIDDEN.
    allowExternalErrors: true,
    fallbackError: () => new AppError('FORBIDDEN', 'Not allowed.'),
  });
  return applyMiddleware(schema, permissions);
}
