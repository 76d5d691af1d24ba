// The mixed section: a cached image served alone, then while clients keep the server rendering
// distinct 12 MP misses, in alternating turns (medians). Hits should keep ≥ 0.7× their rate
// alone and a p99 within 10 ms: renders must not starve the thread that serves them.
const { closedLoop, fetchStatus, wrk } = require('./load');

// As many clients as in the measurement: each keeps one distinct miss in flight.
const STORM_CLIENTS = 8;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const summary = (results) => ({
  rate: median(results.map((result) => result.rate)),
  p50: median(results.map((result) => result.p50)),
  p99: median(results.map((result) => result.p99)),
  failed: results.reduce((sum, result) => sum + result.failed, 0),
});

/**
 * wrk on `hitUrl` alone and during a storm over `missUrls`, `rounds` turns of `seconds` each
 * after a warm-up. `missUrls` must hold more distinct misses than the storm can render.
 */
async function measureMixed({ hitUrl, missUrls, connections, seconds, warmupSeconds, rounds, log }) {
  log(`mixed: hits alone and while ${STORM_CLIENTS} clients render distinct 12 MP misses, ${rounds} turns each`);
  await wrk(hitUrl, { connections, seconds: warmupSeconds });
  const alone = [];
  const during = [];
  const storms = [];
  const misses = [...missUrls];
  for (let round = 0; round < rounds; round++) {
    alone.push(await wrk(hitUrl, { connections, seconds }));
    // The storm starts first so that every second of the hits' turn has renders running.
    const storm = closedLoop(misses.splice(0, Math.floor(misses.length / (rounds - round))), { concurrency: STORM_CLIENTS, seconds: seconds + 1 }, fetchStatus);
    await new Promise((resolve) => setTimeout(resolve, 500));
    during.push(await wrk(hitUrl, { connections, seconds }));
    storms.push(await storm);
  }
  const outcomes = {};
  for (const storm of storms) for (const [outcome, count] of Object.entries(storm.outcomes)) outcomes[outcome] = (outcomes[outcome] ?? 0) + count;
  return {
    alone: summary(alone),
    during: summary(during),
    storm: { rate: storms.reduce((sum, storm) => sum + storm.done, 0) / storms.reduce((sum, storm) => sum + storm.seconds, 0), outcomes, exhausted: storms.some((storm) => storm.exhausted) },
    clients: STORM_CLIENTS,
  };
}

module.exports = { measureMixed, STORM_CLIENTS };
