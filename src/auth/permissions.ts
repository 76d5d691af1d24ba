import type { GraphQLSchema } from 'graphql';
import { applyMiddleware, type IMiddlewareTypeMap } from 'graphql-middleware';
import { deny, rule, shield } from 'graphql-shield';
import { AppError } from '../errors';
import type { Caller } from './identify';
import type { Budget } from '../config/settings';
import { createRateLimitRules, type ClientContext, type WindowCounter } from './rate-limits';

/** What the rules read from the GraphQL context. */
export interface AuthContext extends ClientContext {
  caller: Caller;
  /** Records an administrative field refused to this caller (never with the token). */
  auditRefusal(field: string, code: string): void;
}

export interface RateBudgets {
  image: Budget;
  /** Counted per path asked for, and per image a folder's page may hold. */
  images: Budget;
  admin: Budget;
}

/** Sizes the rules count with: the longest batch, and a folder's page when it does not say. */
export interface PermissionSizes {
  maxBatch: number;
  pageSize: number;
}

function asAdministrator(caller: Caller): true | AppError {
  switch (caller.kind) {
    case 'admin':
      return true;
    case 'anonymous':
      return new AppError('UNAUTHENTICATED', 'This needs an administrator: send Authorization: Bearer <token>.');
    case 'client':
    case 'unknown-token':
      return new AppError('FORBIDDEN', 'The bearer token is not an administrator token.');
  }
}

/**
 * Who can do what, and how often, in one place. Image queries are public within their
 * budgets; everything that changes the server or tells about its state needs an
 * administrator, and every attempt at it counts first against one admin budget per client,
 * shared by all administrative fields, so tokens cannot be guessed at speed by spreading
 * attempts over fields. Every refused attempt is audited. A root field not listed here is
 * denied (`fallbackRule: deny`).
 */
export function permissionTree(counter: WindowCounter, budgets: RateBudgets, { maxBatch, pageSize }: PermissionSizes = { maxBatch: Number.POSITIVE_INFINITY, pageSize: 20 }) {
  const { check, limit } = createRateLimitRules(counter);
  // Public budgets grow for client apps; the admin budget, which bounds guessing, never does.
  const adminBudget = check(budgets.admin, { shared: 'admin' });
  const administrator = rule({ cache: 'no_cache' })(async (parent, args: Record<string, unknown>, context: AuthContext, info) => {
    const within = await adminBudget(parent, args, context, info);
    const verdict = within === true ? asAdministrator(context.caller) : within;
    if (verdict !== true) context.auditRefusal(info.fieldName, verdict.code);
    return verdict;
  });
  return {
    Query: {
      image: limit(budgets.image),
      // One budget of paths for both batch fields: a client cannot double it by asking through each.
      images: limit(budgets.images, { countField: 'paths', maxItems: maxBatch, shared: 'images' }),
      responsive: limit(budgets.image),
      responsiveImages: limit(budgets.images, { countField: 'paths', maxItems: maxBatch, shared: 'images' }),
      imagePresets: limit(budgets.image),
      folder: limit(budgets.image),
      source: limit(budgets.image),
      cacheStats: administrator,
      syncStatus: administrator,
    },
    Mutation: {
      clearCache: administrator,
      syncImages: administrator,
    },
    // A page of a folder's images counts each image it may hold against the same budget as images.
    Folder: {
      images: limit(budgets.images, { countNumber: { field: 'first', default: pageSize }, shared: 'images' }),
    },
  };
}

/** Fields of result types that count against a budget themselves: a folder's page of images. */
const COUNTED_FIELDS: Readonly<Record<string, readonly string[]>> = { Folder: ['images'] };

/**
 * The schema with the permission tree applied to the root fields and to COUNTED_FIELDS. Result types are reached
 * only through a root field, which decides access, so their fields are left as they are:
 * wrapping every field of every result in an asynchronous rule cost more than the rest of a
 * 50-path `images` query.
 */
export function protect(schema: GraphQLSchema, tree: ReturnType<typeof permissionTree>): GraphQLSchema {
  const permissions = shield(tree, {
    fallbackRule: deny,
    // Resolver errors keep their own codes; only denials become FORBIDDEN.
    allowExternalErrors: true,
    fallbackError: () => new AppError('FORBIDDEN', 'Not allowed.'),
  }).generate(schema) as IMiddlewareTypeMap;
  const roots = [schema.getQueryType(), schema.getMutationType()].flatMap((type) => (type ? [type.name] : []));
  const counted = Object.entries(COUNTED_FIELDS).map(([type, fields]) => [type, Object.fromEntries(fields.map((field) => [field, (permissions[type] as Record<string, unknown>)[field]]))]);
  return applyMiddleware(schema, Object.fromEntries([...roots.map((name) => [name, permissions[name]]), ...counted]) as IMiddlewareTypeMap);
}
