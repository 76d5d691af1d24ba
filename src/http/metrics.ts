import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';

export interface MetricsSources {
  stats(): { cacheHits: number; cacheMisses: number; imagesProcessed: number; active: number; queued: number };
  /** `readFailures` only with a shared store. */
  cacheStats(): { files: number; bytes: number; writeFailures: number; damaged: number; readFailures?: number };
  /** This replica's id, and whether Redis answers (null without --redis-url). */
  replica: { id: string; redis: (() => 'up' | 'down') | null };
}

const REQUEST_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Durations {
  count: number;
  sum: number;
  /** Observations in each bucket, not cumulative; the last is above every bound. */
  readonly perBucket: number[];
}

interface Sample {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

/** A metric whose samples are computed when scraped. */
function registerSampled(registry: Registry, name: string, help: string, type: 'counter' | 'histogram', samples: () => Sample[]): void {
  const get = async () => ({ name, help, type, aggregator: 'sum', values: samples() });
  registry.registerMetric({ name, help, type, aggregator: 'sum', get } as unknown as Metric);
}

/**
 * Requests by route pattern and status, counted in plain numbers and turned into Prometheus
 * samples when scraped: prom-client's label handling on every observation cost about a
 * twentieth of a request answered from memory.
 */
function createRequestTally(registry: Registry) {
  const counts = new Map<string, { route: string; status: string; count: number }>();
  const durations = new Map<string, Durations>();

  function observer(route: string, status: number): (seconds: number) => void {
    const key = `${route} ${status}`;
    const counted = counts.get(key) ?? { route, status: String(status), count: 0 };
    counts.set(key, counted);
    const timed = durations.get(route) ?? { count: 0, sum: 0, perBucket: new Array<number>(REQUEST_BUCKETS.length + 1).fill(0) };
    durations.set(route, timed);
    return (seconds) => {
      counted.count++;
      timed.count++;
      timed.sum += seconds;
      let bucket = 0;
      while (bucket < REQUEST_BUCKETS.length && seconds > (REQUEST_BUCKETS[bucket] as number)) bucket++;
      timed.perBucket[bucket] = (timed.perBucket[bucket] ?? 0) + 1;
    };
  }

  registerSampled(registry, 'goimgserver_http_requests_total', 'HTTP requests by route pattern and status.', 'counter', () =>
    [...counts.values()].map(({ route, status, count }) => ({ labels: { route, status }, value: count })),
  );
  const name = 'goimgserver_http_request_duration_seconds';
  registerSampled(registry, name, 'Time to answer an HTTP request, by route pattern.', 'histogram', () =>
    [...durations].flatMap(([route, { count, sum, perBucket }]) => {
      let cumulative = 0;
      const buckets = perBucket.map((observed, bucket) => {
        cumulative += observed;
        return { metricName: `${name}_bucket`, labels: { le: REQUEST_BUCKETS[bucket] ?? '+Inf', route }, value: cumulative };
      });
      return [...buckets, { metricName: `${name}_sum`, labels: { route }, value: sum }, { metricName: `${name}_count`, labels: { route }, value: count }];
    }),
  );

  return {
    observe(route: string, status: number, seconds: number): void {
      observer(route, status)(seconds);
    },
    observer,
  };
}

/**
 * The server's Prometheus metrics, in a registry of its own (two servers in one process
 * never share counters). Counts that the services keep already are read when scraped;
 * requests, render times and sync outcomes are observed as they happen. Labels take few
 * values (route patterns, formats, outcomes), never paths.
 */
export function createMetrics() {
  const registry = new Registry();
  let sources: MetricsSources | null = null;
  collectDefaultMetrics({ register: registry, prefix: 'goimgserver_' });
  // prom-client also registers these sums as gauges named *_total, which Prometheus reserves
  // for counters (promtool check metrics fails on them); the per-type gauges without the
  // suffix (nodejs_active_handles{type} and the like) stay, and sum to the same.
  for (const total of ['handles', 'requests', 'resources']) registry.removeSingleMetric(`goimgserver_nodejs_active_${total}_total`);

  const requests = createRequestTally(registry);
  const renderSeconds = new Histogram({
    name: 'goimgserver_render_duration_seconds',
    help: 'Time to render one derivative (a cache miss), by output format.',
    labelNames: ['format'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const syncs = new Counter({ name: 'goimgserver_syncs_total', help: 'Syncs of the images repository by outcome.', labelNames: ['outcome'], registers: [registry] });

  // Counters the services keep: set from their totals when scraped.
  const fromStats = (name: string, help: string, read: (s: MetricsSources) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        if (sources) this.inc(read(sources));
      },
    });
  fromStats('goimgserver_cache_hits_total', 'Image requests answered from the derivative cache.', (s) => s.stats().cacheHits);
  fromStats('goimgserver_cache_misses_total', 'Image requests that had to render.', (s) => s.stats().cacheMisses);
  fromStats('goimgserver_images_processed_total', 'Derivatives rendered.', (s) => s.stats().imagesProcessed);
  fromStats('goimgserver_cache_write_failures_total', 'Derivatives that could not be stored (a full or read-only disk, a derivative store away); they are kept in memory.', (s) => s.cacheStats().writeFailures);
  fromStats('goimgserver_cache_read_failures_total', 'Reads a shared derivative store did not answer (away, slow, a stale handle); served as misses and rendered again.', (s) => s.cacheStats().readFailures ?? 0);
  fromStats('goimgserver_cache_damaged_total', 'Cached files found cut short or empty when read; deleted and rendered again.', (s) => s.cacheStats().damaged);

  const gauge = (name: string, help: string, read: (s: MetricsSources) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        if (sources) this.set(read(sources));
      },
    });
  gauge('goimgserver_renders_active', 'Renders running now.', (s) => s.stats().active);
  gauge('goimgserver_render_queue_depth', 'Renders waiting for a slot.', (s) => s.stats().queued);
  gauge('goimgserver_cache_files', 'Derivative files in the cache (with a shared store: those this replica wrote to it since it started).', (s) => s.cacheStats().files);
  gauge('goimgserver_cache_bytes', 'Bytes of the derivative files in the cache (with a shared store: of those this replica wrote to it since it started).', (s) => s.cacheStats().bytes);
  new Gauge({
    name: 'goimgserver_replica_info',
    help: 'Always 1; names this replica (the replica field of its logs and /health).',
    labelNames: ['replica'],
    registers: [registry],
    collect() {
      this.reset();
      if (sources) this.set({ replica: sources.replica.id }, 1);
    },
  });
  new Gauge({
    name: 'goimgserver_redis_up',
    help: 'Whether Redis (--redis-url) answers: 1 or 0; absent without it.',
    registers: [registry],
    collect() {
      this.reset();
      const redis = sources?.replica.redis;
      if (redis) this.set(redis() === 'up' ? 1 : 0);
    },
  });

  return {
    /** Where the scraped counts come from, once the services exist. */
    attach(given: MetricsSources): void {
      sources = given;
      // A gauge without labels always has a sample: without --redis-url it would say 0, as if Redis were down.
      if (!given.replica.redis) registry.removeSingleMetric('goimgserver_redis_up');
    },
    observeRequest: requests.observe,
    /** Observes requests of one route and status, for paths that answer many. */
    requestObserver: requests.observer,
    observeRender(format: string, seconds: number): void {
      renderSeconds.observe({ format }, seconds);
    },
    observeSync(outcome: string): void {
      syncs.inc({ outcome });
    },
    contentType: registry.contentType,
    text: () => registry.metrics(),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
