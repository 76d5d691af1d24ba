import { AppError, toAppError, type ErrorCode } from '../errors';
import type { Log } from '../log';
import type { Leases } from './leases';
import type { RedisLink } from './redis';

/** What the relay needs of this replica's own sync (src/git/sync.ts, handed over by app.ts). */
export interface LocalSync<Result extends { currentCommit: string | null }, Status extends { currentCommit: string | null }> {
  sync(log: Log): Promise<Result>;
  follow(commit: string, log: Log): Promise<unknown>;
  status(): Promise<Status>;
}

/** One replica's checkout, as it last told. */
export interface ReplicaCommit {
  replica: string;
  currentCommit: string | null;
  seenAt: Date;
}

type Outcome<Result> = { token: string; from: string } & ({ ok: true; result: Result } | { ok: false; code: ErrorCode; message: string });

const LEASE = 'goimgserver:lease:sync';
const SYNCED = 'goimgserver:synced';
const LAST = 'goimgserver:sync:last';
const SEEN = 'goimgserver:replica:';
/** A sync lease lapses this long after its holder stops renewing it (it renews every third). */
const LEASE_MS = 30_000;
/** How often a replica says which commit it is at, and how long that stays listed. */
const HEARTBEAT_MS = 5_000;
const LISTED_MS = 3 * HEARTBEAT_MS;
/** How often a replica waiting for another's sync looks whether that one still holds the lease. */
const POLL_MS = 200;

/** What a replica told of its checkout (see tell), or null for anything else stored under its key. */
function told(value: unknown): ReplicaCommit | null {
  if (typeof value !== 'object' || value === null) return null;
  const { replica, currentCommit, seenAt } = value as Record<string, unknown>;
  if (typeof replica !== 'string' || !(typeof currentCommit === 'string' || currentCommit === null) || typeof seenAt !== 'string') return null;
  const at = new Date(seenAt);
  return Number.isNaN(at.getTime()) ? null : { replica, currentCommit, seenAt: at };
}

function parse<T>(text: string | null): T | null {
  try {
    return text === null ? null : (JSON.parse(text) as T);
  } catch {
    return null;
  }
}

/**
 * Syncs across replicas. The replica that takes the sync lease fetches and fast-forwards as a
 * single server does, then publishes the outcome; every other replica brings its own checkout
 * to exactly that commit (`follow`: a fast-forward from its own remote) and clears what it
 * changes on its side. A `syncImages` asked of any replica while one runs waits for it and
 * answers its outcome, once this replica's checkout is there too. A replica that starts late
 * or reconnects follows the last outcome. While Redis is away, a replica syncs alone.
 */
export function createSyncRelay<Result extends { currentCommit: string | null }, Status extends { currentCommit: string | null }>(
  local: LocalSync<Result, Status>,
  { link, leases, replicaId, log }: { link: RedisLink; leases: Leases; replicaId: string; log: Log },
) {
  // This replica's follows by commit: a waiting sync and the message of the same outcome share one.
  const follows = new Map<string, Promise<unknown>>();
  let known: string | null = null;

  function follow(commit: string): Promise<unknown> {
    const running = follows.get(commit);
    if (running) return running;
    const followed = local.follow(commit, log).finally(() => void tell());
    follows.clear();
    follows.set(commit, followed);
    followed.catch((error: unknown) => log.error({ err: error, commit }, 'this checkout could not follow the commit another replica synced to'));
    return followed;
  }

  /** Tells the others which commit this replica's checkout is at, for a while. */
  async function tell(): Promise<void> {
    known = (await local.status().catch(() => null))?.currentCommit ?? known;
    const seen: ReplicaCommit = { replica: replicaId, currentCommit: known, seenAt: new Date() };
    await link.setExpiring(SEEN + replicaId, JSON.stringify(seen), LISTED_MS).catch(() => undefined);
  }

  async function publish(outcome: Outcome<Result>): Promise<void> {
    const text = JSON.stringify(outcome);
    await link.set(LAST, text).catch(() => undefined);
    await link.publish(SYNCED, text).catch((error: unknown) => log.warn({ err: error }, 'the other replicas could not be told of a sync: Redis is unreachable'));
  }

  async function lead(token: string, release: () => Promise<void>, requestLog: Log): Promise<Result> {
    try {
      const result = await local.sync(requestLog);
      await publish({ token, from: replicaId, ok: true, result });
      return result;
    } catch (caught) {
      const error = toAppError(caught);
      await publish({ token, from: replicaId, ok: false, code: error.code, message: error.message });
      throw error;
    } finally {
      await release();
      void tell();
    }
  }

  /** The outcome of the sync `holder` runs, or null when it let the lease go without one (it died). */
  async function outcomeOf(holder: string): Promise<Outcome<Result> | null> {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      const last = parse<Outcome<Result>>(await link.get(LAST));
      if (last?.token === holder) return last;
      if ((await leases.holder(LEASE)) !== holder) {
        const settled = parse<Outcome<Result>>(await link.get(LAST));
        return settled?.token === holder ? settled : null;
      }
    }
  }

  async function sync(requestLog: Log): Promise<Result> {
    for (;;) {
      if (!link.up()) return local.sync(requestLog);
      let lease;
      try {
        lease = await leases.take(LEASE, LEASE_MS);
      } catch {
        return local.sync(requestLog);
      }
      if (lease) return lead(lease.token, () => lease.release(), requestLog);
      const holder = await leases.holder(LEASE).catch(() => null);
      if (holder === null) continue;
      if (await leases.dropUnexpiring(LEASE, holder).catch(() => false)) {
        requestLog.warn({ holder }, 'a sync lease that never expires was dropped: no replica takes one so, and it would hold every sync up');
        continue;
      }
      requestLog.info({ holder }, 'another replica is syncing; waiting for its outcome');
      const outcome = await outcomeOf(holder).catch(() => null);
      if (outcome === null) continue;
      if (!outcome.ok) throw new AppError(outcome.code, outcome.message);
      if (outcome.result.currentCommit !== null) await follow(outcome.result.currentCommit);
      return outcome.result;
    }
  }

  link.subscribe(SYNCED, (text) => {
    const outcome = parse<Outcome<Result>>(text);
    if (!outcome || outcome.from === replicaId || !outcome.ok || typeof outcome.result?.currentCommit !== 'string') return;
    void follow(outcome.result.currentCommit).catch(() => undefined);
  });
  // Outcomes published while this replica was away were not heard: the last one is followed.
  link.onConnected(() => {
    void (async () => {
      const last = parse<Outcome<Result>>(await link.get(LAST).catch(() => null));
      await tell();
      if (last?.ok && typeof last.result?.currentCommit === 'string' && last.result.currentCommit !== known) await follow(last.result.currentCommit).catch(() => undefined);
    })();
  });
  const heartbeat = setInterval(() => void tell(), HEARTBEAT_MS);
  heartbeat.unref();

  return {
    sync,
    /** This replica's checkout, with every live replica's commit. */
    async status(): Promise<Status & { replicas: ReplicaCommit[] }> {
      const own = await local.status();
      const listed = link.up() ? await link.values(`${SEEN}*`).catch(() => []) : [];
      const others = listed.flatMap((text) => {
        const seen = told(parse<unknown>(text));
        return seen && seen.replica !== replicaId ? [seen] : [];
      });
      return { ...own, replicas: [{ replica: replicaId, currentCommit: own.currentCommit, seenAt: new Date() }, ...others] };
    },
    stop: () => clearInterval(heartbeat),
  };
}
