import { script, type RedisLink } from './redis';

const RENEW = script(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`);
const RELEASE = script(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`);
const DROP_UNEXPIRING = script(`if redis.call('GET', KEYS[1]) == ARGV[1] and redis.call('PTTL', KEYS[1]) == -1 then return redis.call('DEL', KEYS[1]) else return 0 end`);

export interface Lease {
  /** Names this holding of the lease: other replicas read it as the holder. */
  readonly token: string;
  release(): Promise<void>;
}

/**
 * Leases on Redis: one replica at a time holds a name. A lease expires after `ttlMs` unless
 * renewed, which its holder does every third of it while it runs, so a replica that dies
 * frees it within `ttlMs`. Only the holder's token can renew or release it.
 */
export function createLeases(link: RedisLink, replicaId: string) {
  let sequence = 0;
  return {
    /** The lease, or null when another replica holds it. Throws when Redis cannot be reached. */
    async take(name: string, ttlMs: number): Promise<Lease | null> {
      const token = `${replicaId}:${Date.now()}:${sequence++}`;
      if (!(await link.setIfAbsent(name, token, ttlMs))) return null;
      const renewal = setInterval(() => void link.run(RENEW, [name], [token, ttlMs]).catch(() => undefined), ttlMs / 3);
      renewal.unref();
      return {
        token,
        async release() {
          clearInterval(renewal);
          await link.run(RELEASE, [name], [token]).catch(() => undefined);
        },
      };
    },
    /** The token of whoever holds the lease now; null when nobody does. */
    holder: (name: string): Promise<string | null> => link.get(name),
    /**
     * Deletes the lease `token` holds if it never expires: every lease taken here lapses, so
     * one that does not was set some other way, and would hold every sync up for good.
     * Whether it was deleted.
     */
    async dropUnexpiring(name: string, token: string): Promise<boolean> {
      return Number(await link.run(DROP_UNEXPIRING, [name], [token])) === 1;
    },
  };
}

export type Leases = ReturnType<typeof createLeases>;
