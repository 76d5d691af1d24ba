/** Milliseconds since the epoch. Injected where the passing of time decides an answer, so tests can move it. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
