import { getFieldIdentity, getGraphQLRateLimiter, type Store } from 'graphql-rate-limit';
import type { GraphQLResolveInfo } from 'graphql';
import { rule } from 'graphql-shield';
import type { Budget } from '../config/settings';
import { systemClock, type Clock } from '../clock';
import { AppError, tooManyPaths } from '../errors';


/** What the rate-limit rules read from the GraphQL context: who the client is. */
export interface ClientContext {
  /** `admin:{name}` for administrators, `client:{name}` for client apps, otherwise the client's address. */
  clientId: string;
  /** What the client's public budgets are multiplied by: the client-token factor for client apps, else 1. */
  budgetFactor: number;
}

const identityOf = (clientId: string, fieldIdentity: string) => ({ contextIdentity: clientId, fieldIdentity });

/** The calls of this client still inside the window, oldest first. */
async function recentCalls(store: Store, clientId: string, fieldIdentity: string, windowSeconds: number, now: number): Promise<number[]> {
  const since = now - windowSeconds * 1000;
  return (await store.getForIdentity(identityOf(clientId, fieldIdentity))).filter((t) => t > since);
}

/** Seconds until the oldest call in the window expires and frees a slot; at least 1. */
function secondsUntilFree(recent: readonly number[], windowSeconds: number, now: number): number {
  const oldest = recent[0] ?? now;
  return Math.max(1, Math.ceil((oldest + windowSeconds * 1000 - now) / 1000));
}

interface CheckOptions {
  /** Counts each element of this list argument as a call. */
  countField?: string;
  /** Longest list `countField` may hold: longer ones are refused (BAD_USER_INPUT) and not counted. */
  maxItems?: number;
  /** One budget that several fields draw from; each field has its own otherwise. */
  shared?: string;
  /** Grown by the client's budget factor (public budgets). */
  scaled?: boolean;
}

/**
 * Shield rules over graphql-rate-limit's limiter. Its own `createRateLimitRule` hands
 * `createError` only a message; these rules add the retry delay, which needs the client's
 * identity. Rejected calls are not counted, so a client recovers when the window moves on.
 */
export function createRateLimitRules(store: Store) {
  const limiter = getGraphQLRateLimiter({
    store,
    identifyContext: (context: ClientContext) => context.clientId,
    // Aliases of one field in one request are counted together.
    enableBatchRequestCache: true,
    // The batch fields share the budget named `images`, which counts paths, not calls.
    formatError: ({ fieldName, max, window }) => `Expected at most ${max} ${fieldName === 'images' ? 'paths through images and responsiveImages' : `${fieldName} calls`} per ${window / 1000} s from one client`,
  });

  /**
   * Counts a call against one budget: true, or the RATE_LIMITED error. `countField` counts
   * each element of that list argument as a call; `shared` names one budget that several
   * fields draw from (each field has its own otherwise).
   */
  function check(budget: Budget, { countField, maxItems, shared, scaled = false }: CheckOptions = {}) {
    return async (parent: unknown, args: Record<string, unknown>, context: ClientContext, info: GraphQLResolveInfo): Promise<true | AppError> => {
      // A list over the batch bound is refused before it is counted: a refused call costs nothing.
      const items = countField === undefined ? undefined : args[countField];
      if (maxItems !== undefined && Array.isArray(items) && items.length > maxItems) return tooManyPaths(maxItems, items.length);
      if (budget.max === 0) return true;
      // The limiter names the budget after info.fieldName, and reads nothing else of info.
      const counted = shared === undefined ? info : { ...info, fieldName: shared };
      const max = scaled ? budget.max * context.budgetFactor : budget.max;
      const message = await limiter(
        { parent, args, context, info: counted },
        { max, window: `${budget.windowSeconds}s`, uncountRejected: true, ...(countField ? { arrayLengthField: countField } : {}) },
      );
      if (message === undefined) return true;
      // graphql-rate-limit stamps calls with Date.now() itself: its window is read on that clock.
      const recent = await recentCalls(store, context.clientId, getFieldIdentity(counted.fieldName, [], args), budget.windowSeconds, Date.now());
      const retryAfter = secondsUntilFree(recent, budget.windowSeconds, Date.now());
      return new AppError('RATE_LIMITED', message, { retryAfter });
    };
  }

  return {
    check,
    /** A shield rule for one public budget (see check), grown by the client's budget factor. */
    limit: (budget: Budget, options?: Omit<CheckOptions, 'scaled'>) => rule({ cache: 'no_cache' })(check(budget, { ...options, scaled: true })),
  };
}

/**
 * A sliding-window limiter outside GraphQL (the bytes route's renders), on the same kind of
 * store. Throws RATE_LIMITED with the retry delay when the client is over its budget.
 */
export function createCallLimiter(store: Store, name: string, budget: Budget, clock: Clock = systemClock) {
  // Reading the calls and writing them back are two steps: a client's calls take turns, or
  // calls started together (a gallery's placeholders, a burst of misses) would all read
  // the same count and all pass.
  const turns = new Map<string, Promise<void>>();

  async function count(clientId: string, max: number): Promise<void> {
    const recent = await recentCalls(store, clientId, name, budget.windowSeconds, clock.now());
    if (recent.length >= max) {
      const retryAfter = secondsUntilFree(recent, budget.windowSeconds, clock.now());
      throw new AppError('RATE_LIMITED', `Expected at most ${max} ${name} per ${budget.windowSeconds} s from one client`, { retryAfter });
    }
    await store.setForIdentity(identityOf(clientId, name), [...recent, clock.now()], budget.windowSeconds * 1000);
  }

  /** Counts one call of the client; `factor` grows its budget (a client app's token). */
  return function take(clientId: string, factor = 1): Promise<void> {
    if (budget.max === 0) return Promise.resolve();
    const turn = (turns.get(clientId) ?? Promise.resolve()).then(() => count(clientId, budget.max * factor));
    const settled = turn.catch(() => undefined);
    turns.set(clientId, settled);
    void settled.then(() => {
      if (turns.get(clientId) === settled) turns.delete(clientId);
    });
    return turn;
  };
}
