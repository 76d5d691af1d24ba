import type { Store } from 'graphql-rate-limit';
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
  /** Counts this whole-number argument as that many calls (a page's `first`), or `default` when it is not given. */
  countNumber?: { field: string; default: number };
  /** Longest list `countField` may hold: longer ones are refused (BAD_USER_INPUT) and not counted. */
  maxItems?: number;
  /** One budget that several fields draw from; each field has its own otherwise. */
  shared?: string;
  /** Grown by the client's budget factor (public budgets). */
  scaled?: boolean;
}

/**
 * Counts `calls` calls of a client against `max` per window of `windowSeconds`: null when
 * they are admitted (and counted), or the seconds until the client may try again. A refused
 * call is not counted, so a client that waits recovers.
 */
export type WindowCounter = (clientId: string, name: string, max: number, windowSeconds: number, calls?: number) => Promise<number | null>;

/**
 * Sliding-window counts per client and budget name, on the store, read on `clock`: this
 * process's own. Reading a client's calls and writing them back are two steps: the counts of
 * one client and budget take turns, or calls started together (aliases of one field, a
 * gallery's placeholders, a burst of misses) would all read the same count and all pass.
 */
export function createWindowCounter(store: Store, clock: Clock = systemClock): WindowCounter {
  const turns = new Map<string, Promise<unknown>>();

  async function count(clientId: string, name: string, max: number, windowSeconds: number, calls: number): Promise<number | null> {
    const now = clock.now();
    const recent = await recentCalls(store, clientId, name, windowSeconds, now);
    // A refused call is not counted, so a client that waits recovers.
    if (recent.length + calls > max) return secondsUntilFree(recent, windowSeconds, now);
    await store.setForIdentity(identityOf(clientId, name), [...recent, ...Array<number>(calls).fill(now)], windowSeconds * 1000);
    return null;
  }

  return function take(clientId: string, name: string, max: number, windowSeconds: number, calls = 1): Promise<number | null> {
    const key = `${clientId}\0${name}`;
    const turn = (turns.get(key) ?? Promise.resolve()).then(() => count(clientId, name, max, windowSeconds, calls));
    const settled = turn.catch(() => undefined);
    turns.set(key, settled);
    void settled.then(() => {
      if (turns.get(key) === settled) turns.delete(key);
    });
    return turn;
  };
}

/**
 * Shield rules for the GraphQL budgets, on the same window counter as renders. A refusal is
 * RATE_LIMITED with the retry delay.
 */
export function createRateLimitRules(take: WindowCounter) {
  /**
   * Counts a call against one budget: true, or the RATE_LIMITED error. `countField` counts
   * each element of that list argument as a call; `shared` names one budget that several
   * fields draw from (each field has its own otherwise). Aliases of one field in one request
   * are calls of their own, counted in turn.
   */
  function check(budget: Budget, { countField, countNumber, maxItems, shared, scaled = false }: CheckOptions = {}) {
    return async (_parent: unknown, args: Record<string, unknown>, context: ClientContext, info: GraphQLResolveInfo): Promise<true | AppError> => {
      // A list over the batch bound is refused before it is counted: a refused call costs nothing.
      const items = countField === undefined ? undefined : args[countField];
      if (maxItems !== undefined && Array.isArray(items) && items.length > maxItems) return tooManyPaths(maxItems, items.length);
      if (budget.max === 0) return true;
      const name = shared ?? info.fieldName;
      const max = scaled ? budget.max * context.budgetFactor : budget.max;
      const asked = countNumber === undefined ? undefined : (args[countNumber.field] ?? countNumber.default);
      // An empty list or page still asks once.
      const calls = typeof asked === 'number' ? Math.max(1, asked) : Array.isArray(items) && items.length > 0 ? items.length : 1;
      const retryAfter = await take(context.clientId, name, max, budget.windowSeconds, calls);
      if (retryAfter === null) return true;
      // The batch fields share the budget named `images`, which counts paths, not calls.
      const what = name === 'images' ? 'paths through images and responsiveImages, and images of folder pages' : `${name} calls`;
      return new AppError('RATE_LIMITED', `Expected at most ${max} ${what} per ${budget.windowSeconds} s from one client`, { retryAfter });
    };
  }

  return {
    check,
    /** A shield rule for one public budget (see check), grown by the client's budget factor. */
    limit: (budget: Budget, options?: Omit<CheckOptions, 'scaled'>) => rule({ cache: 'no_cache' })(check(budget, { ...options, scaled: true })),
  };
}

/**
 * A sliding-window limiter outside GraphQL (the bytes route's renders), on a window counter.
 * Throws RATE_LIMITED with the retry delay when the client is over its budget.
 */
export function createCallLimiter(take: WindowCounter, name: string, budget: Budget) {
  /** Counts one call of the client; `factor` grows its budget (a client app's token). */
  return async function (clientId: string, factor = 1): Promise<void> {
    if (budget.max === 0) return;
    const max = budget.max * factor;
    const retryAfter = await take(clientId, name, max, budget.windowSeconds);
    if (retryAfter !== null) throw new AppError('RATE_LIMITED', `Expected at most ${max} ${name} per ${budget.windowSeconds} s from one client`, { retryAfter });
  };
}
