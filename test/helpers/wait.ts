/**
 * Polls `check` every `everyMs` until it passes; throws when `ms` go by first. For what
 * another process does in its own time (a replica hearing a clear, Redis coming back).
 */
export async function within(ms: number, check: () => Promise<boolean>, everyMs = 20): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
