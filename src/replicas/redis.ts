import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { Log } from '../log';

export interface RedisLinkOptions {
  url: string;
  /** AUTH password; empty for none. */
  password: string;
  /** This replica's id, given to Redis as the connection's name (CLIENT LIST shows it). */
  replicaId: string;
  log: Log;
}

/** A Lua script run atomically by Redis, loaded once and then called by its hash. */
export interface Script {
  readonly source: string;
  readonly sha: string;
}

export function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** A command not answered within this is failed: serving falls back to this replica's own state rather than wait. */
const COMMAND_TIMEOUT_MS = 500;
/** Reconnection attempts are this far apart at most. */
const MOST_BETWEEN_ATTEMPTS_MS = 2000;

/**
 * The connection to Redis, and the only user of ioredis: one connection for commands, which
 * fail at once while Redis is away (no offline queue, no retries) so that nothing waits for
 * it, and one for subscriptions, renewed by ioredis after each reconnection.
 */
export function createRedisLink(options: RedisLinkOptions) {
  const common: RedisOptions = {
    ...target(options.url, options.password),
    connectionName: `goimgserver:${options.replicaId}`,
    retryStrategy: (attempts) => Math.min(attempts * 100, MOST_BETWEEN_ATTEMPTS_MS),
  };
  const commands = new Redis({ ...common, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: COMMAND_TIMEOUT_MS });
  const subscriber = new Redis({ ...common, maxRetriesPerRequest: null });
  const listeners = new Map<string, Array<(message: string) => void>>();
  const onConnected: Array<() => void> = [];
  let reachable = false;
  // Why Redis was last not reached, as told: each reason is told once per outage, not once per attempt.
  let told: string | null = null;

  // Settles at the first connection: until then "down" only means "not connected yet".
  let firstReached = () => {};
  const reachedOnce = new Promise<void>((resolve) => (firstReached = resolve));
  commands.on('ready', () => {
    firstReached();
    if (!reachable) options.log.info({ redis: 'up' }, 'Redis reached: clears, syncs and budgets are shared with the other replicas');
    reachable = true;
    told = null;
    tellConnected();
  });
  const lost = (error?: Error) => {
    // The message only: a refused AUTH carries the password among its command's arguments.
    const reason = error?.message ?? null;
    if (reachable) options.log.warn({ redis: 'down', reason }, 'Redis unreachable: budgets count on this replica alone until it is back');
    else if (reason !== null && reason !== told) options.log.warn({ redis: 'down', reason }, 'Redis not reached: budgets count on this replica alone, and serving does not wait for it');
    told = reason ?? told;
    reachable = false;
  };
  commands.on('error', lost);
  commands.on('close', () => lost());

  /**
   * Runs a command. Redis that leaves one unanswered past its timeout with the connection open
   * (a frozen host, a network that drops packets) is told down at once and the connection
   * renewed: otherwise every later command would wait its timeout too, and /health would say
   * up. The new connection is ready only once Redis answers again.
   */
  async function send<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      if (reachable && error instanceof Error && error.message === 'Command timed out') {
        lost(error);
        commands.disconnect(true);
      }
      throw error;
    }
  }
  // A message sent while this replica was not subscribed is lost: each (re)connection is told,
  // once commands can run too, since listeners catch up by asking Redis what they missed. The two
  // connections become ready in either order.
  let subscribedUntold = false;
  function tellConnected(): void {
    if (!subscribedUntold || !reachable) return;
    subscribedUntold = false;
    for (const listener of onConnected) listener();
  }
  // ioredis is ready before it has subscribed again: listeners are told once Redis has confirmed
  // every subscription, so nothing published after their catch-up's question can be missed.
  subscriber.on('ready', () => {
    const channels = [...listeners.keys()];
    (channels.length === 0 ? Promise.resolve() : subscriber.subscribe(...channels)).then(
      () => {
        subscribedUntold = true;
        tellConnected();
      },
      // The connection went again: its next 'ready' tells.
      () => undefined,
    );
  });
  // Errors are told through the command connection's state; an unhandled 'error' would throw.
  subscriber.on('error', () => undefined);
  subscriber.on('message', (channel: string, message: string) => {
    for (const listener of listeners.get(channel) ?? []) listener(message);
  });

  return {
    /** Whether commands reach Redis now. */
    up: () => reachable,
    /**
     * Whether commands reach Redis, waiting up to `ms` (or until `signal` aborts) for the
     * first connection of this process; once Redis was reached, or after the wait, answers at once.
     */
    async upOnceConnected(ms: number, signal: AbortSignal): Promise<boolean> {
      if (!reachable) {
        let timer: NodeJS.Timeout | undefined;
        let abort = () => {};
        const waited = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, ms);
          abort = resolve;
          signal.addEventListener('abort', abort, { once: true });
        });
        await Promise.race([reachedOnce, waited]);
        clearTimeout(timer);
        signal.removeEventListener('abort', abort);
      }
      return reachable;
    },
    /** Runs a script atomically; loads it when Redis does not know it yet (first use, or after a restart). */
    async run(code: Script, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
      try {
        return await send(() => commands.evalsha(code.sha, keys.length, ...keys, ...args));
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return send(() => commands.eval(code.source, keys.length, ...keys, ...args));
      }
    },
    /** Sets `key` unless it exists, expiring after `ttlMs`: whether it was set. */
    async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
      return (await send(() => commands.set(key, value, 'PX', ttlMs, 'NX'))) === 'OK';
    },
    async setExpiring(key: string, value: string, ttlMs: number): Promise<void> {
      await send(() => commands.set(key, value, 'PX', ttlMs));
    },
    async set(key: string, value: string): Promise<void> {
      await send(() => commands.set(key, value));
    },
    get: (key: string): Promise<string | null> => send(() => commands.get(key)),
    /** The values of every key matching `pattern` (SCAN, so Redis is never blocked by a KEYS). */
    async values(pattern: string): Promise<string[]> {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, found] = await send(() => commands.scan(cursor, 'MATCH', pattern, 'COUNT', 100));
        keys.push(...found);
        cursor = next;
      } while (cursor !== '0');
      if (keys.length === 0) return [];
      return (await send(() => commands.mget(...keys))).filter((value): value is string => value !== null);
    },
    async publish(channel: string, message: string): Promise<void> {
      await send(() => commands.publish(channel, message));
    },
    /** Listens on a channel from now on, across reconnections. */
    subscribe(channel: string, listener: (message: string) => void): void {
      listeners.set(channel, [...(listeners.get(channel) ?? []), listener]);
      void subscriber.subscribe(channel).catch(() => undefined);
    },
    /** Called each time the subscription connection is (re)established, once commands reach Redis too. */
    onConnected(listener: () => void): void {
      onConnected.push(listener);
    },
    async close(): Promise<void> {
      commands.disconnect();
      subscriber.disconnect();
    },
  };
}

export type RedisLink = ReturnType<typeof createRedisLink>;

/**
 * Where to connect, from the URL (checked by the configuration: no password, query or
 * fragment) and the password of the environment. Given as options rather than the URL, since
 * the client lets a URL's user name come with an empty password that would win over this one.
 */
function target(url: string, password: string): RedisOptions {
  const parsed = new URL(url);
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    db: parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(password ? { password } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}
