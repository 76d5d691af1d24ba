import type { WindowCounter } from '../auth/rate-limits';
import type { Clock } from '../clock';
import type { Log } from '../log';
import { createSharedCounter } from './budgets';
import { createLeases } from './leases';
import { createRedisLink } from './redis';
import { createSyncRelay, type LocalSync } from './sync-relay';

export interface ReplicaOptions {
  url: string;
  password: string;
  replicaId: string;
  log: Log;
  clock: Clock;
  /** This replica's own budget counter, used while Redis is away. */
  local: WindowCounter;
  /** Clears one image (or with null everything) on this replica alone, as a clear asked here would. */
  clearHere(path: string | null): Promise<unknown>;
  /** Forgets what this replica holds in memory (derivatives, resolutions). */
  forgetMemory(): void;
}

const INVALIDATE = 'goimgserver:invalidate';
/** A turn's lease lapses this long after its holder stops renewing it (a replica that died). */
const TURN_LEASE_MS = 30_000;
/** How often a replica waiting for its turn asks again. */
const TURN_POLL_MS = 1000;
/** How long a turn asked at start-up waits for the first connection to Redis before going on alone. */
const TURN_FIRST_CONNECTION_MS = 5000;

interface ClearMessage {
  readonly from: string;
  readonly kind: 'clear';
  readonly path: string | null;
}

function parseMessage(text: string): ClearMessage | null {
  try {
    const message = JSON.parse(text) as Partial<ClearMessage>;
    const valid = typeof message.from === 'string' && message.kind === 'clear' && (message.path === null || typeof message.path === 'string');
    return valid ? (message as ClearMessage) : null;
  } catch {
    return null;
  }
}

/**
 * What replicas share through Redis (`--redis-url`): clears and syncs reach every replica,
 * budgets are counted across all of them, and a replica that (re)connects forgets what it
 * holds in memory, since messages sent while it was away are lost.
 */
export function startReplicas(options: ReplicaOptions) {
  const { log, replicaId } = options;
  const link = createRedisLink({ url: options.url, password: options.password, replicaId, log });
  link.onConnected(() => {
    options.forgetMemory();
    log.info({ redis: 'up' }, 'subscribed to the other replicas; memory dropped, since their clears while unsubscribed were not heard');
  });
  link.subscribe(INVALIDATE, (text) => {
    const message = parseMessage(text);
    if (message === null) return log.warn({ channel: INVALIDATE }, 'a message that is not a clear was ignored');
    if (message.from === replicaId) return;
    options.clearHere(message.path).then(
      () => log.info({ from: message.from, path: message.path }, 'cleared as another replica asked'),
      (error: unknown) => log.warn({ err: error, from: message.from, path: message.path }, 'a clear asked by another replica failed'),
    );
  });

  const leases = createLeases(link, replicaId);
  let stopRelay = () => {};

  return {
    counter: createSharedCounter(link, options.local, { replicaId, clock: options.clock }),
    /** This replica's sync, made one across replicas (see sync-relay.ts). */
    relaySync<Result extends { currentCommit: string | null }, Status extends { currentCommit: string | null }>(local: LocalSync<Result, Status>) {
      const relay = createSyncRelay(local, { link, leases, replicaId, log });
      stopRelay = relay.stop;
      return relay;
    },
    /** Tells the other replicas to clear what this one cleared; while Redis is away, they are not told. */
    announceClear(path: string | null): void {
      const message: ClearMessage = { from: replicaId, kind: 'clear', path };
      link.publish(INVALIDATE, JSON.stringify(message)).catch((error: unknown) => log.warn({ err: error, path }, 'the other replicas could not be told of a clear: Redis is unreachable'));
    },
    /**
     * Waits until this replica holds the lease `name` (one replica at a time), and resolves
     * with its release; at once, holding nothing, while Redis cannot be reached. At start-up,
     * Redis not connected yet is waited for a few seconds: asked right after listening, every
     * replica would otherwise find it "down" and take its turn alone.
     */
    async turn(name: string, signal: AbortSignal): Promise<() => Promise<void>> {
      for (;;) {
        if (signal.aborted) throw signal.reason;
        const lease = (await link.upOnceConnected(TURN_FIRST_CONNECTION_MS, signal)) ? await leases.take(`goimgserver:lease:${name}`, TURN_LEASE_MS).catch(() => undefined) : undefined;
        if (lease === undefined) return async () => {};
        if (lease) return () => lease.release();
        await new Promise((resolve) => setTimeout(resolve, TURN_POLL_MS).unref());
      }
    },
    redis: (): 'up' | 'down' => (link.up() ? 'up' : 'down'),
    close: () => {
      stopRelay();
      return link.close();
    },
  };
}

export type Replicas = ReturnType<typeof startReplicas>;
