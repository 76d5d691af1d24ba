import { MemoryRateLimitStore } from '../../../src/auth/rate-limit-store';
import { createCallLimiter, createWindowCounter } from '../../../src/auth/rate-limits';

describe('the call limiter (renders per client)', () => {
  it('lets exactly the budget through when many calls of one client start together', async () => {
    const take = createCallLimiter(createWindowCounter(new MemoryRateLimitStore()), 'renders', { max: 3, windowSeconds: 60 });
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => take('10.0.0.1')));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(3);
    for (const outcome of outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')) {
      expect(outcome.reason).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    }
  });

  it('keeps clients apart, and a refused call does not hold up the next one', async () => {
    const take = createCallLimiter(createWindowCounter(new MemoryRateLimitStore()), 'renders', { max: 1, windowSeconds: 60 });
    await take('a');
    await expect(take('a')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(take('b')).resolves.toBeUndefined();
    await expect(take('a')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('lets everything through with the budget off', async () => {
    const take = createCallLimiter(createWindowCounter(new MemoryRateLimitStore()), 'renders', { max: 0, windowSeconds: 1 });
    await expect(Promise.all(Array.from({ length: 50 }, () => take('a')))).resolves.toHaveLength(50);
  });
});
