import type { WindowCounter } from '../auth/rate-limits';
import type { Clock } from '../clock';
import { script, type RedisLink } from './redis';

/**
 * One client's calls against one budget, as a sorted set of call times, counted and added in
 * one step: replicas asking at the same moment cannot both see the last free slot. Returns 0
 * when the calls are admitted, else the seconds until the oldest call leaves the window.
 * KEYS: the set. ARGV: now (ms), window (ms), max, calls, a prefix unique to this call.
 */
const TAKE = script(`
local now, window, max, calls = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count + calls > max then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local at = tonumber(oldest[2] or now)
  return math.max(1, math.ceil((at + window - now) / 1000))
end
for i = 1, calls do redis.call('ZADD', KEYS[1], now, ARGV[5] .. i) end
redis.call('PEXPIRE', KEYS[1], window)
return 0
`);

/**
 * Budgets counted across every replica on Redis, exactly: the same sliding windows as this
 * replica's own counter (`local`), read on `clock`, with the same retry delays. While Redis
 * cannot be reached, `local` counts instead, so serving never waits for it.
 */
export function createSharedCounter(link: RedisLink, local: WindowCounter, { replicaId, clock }: { replicaId: string; clock: Clock }): WindowCounter {
  let sequence = 0;
  return async (clientId, name, max, windowSeconds, calls = 1) => {
    if (!link.up()) return local(clientId, name, max, windowSeconds, calls);
    const key = `goimgserver:budget:${name}:${clientId}`;
    try {
      const retryAfter = Number(await link.run(TAKE, [key], [clock.now(), windowSeconds * 1000, max, calls, `${replicaId}:${sequence++}:`]));
      return retryAfter === 0 ? null : retryAfter;
    } catch {
      return local(clientId, name, max, windowSeconds, calls);
    }
  };
}
