import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface MetricsSources {
  stats(): { cacheHits: number; cacheMisses: number; imagesProcessed: number; active: number; queued: number };
  cacheStats(): { files: number; bytes: number };
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

  const requests = new Counter({ name: 'goimgserver_http_requests_total', help: 'HTTP requests by route pattern and status.', labelNames: ['route', 'status'], registers: [registry] });
  const requestSeconds = new Histogram({
    name: 'goimgserver_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route pattern.',
    labelNames: ['route'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
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
  gauge('goimgserver_cache_files', 'Derivative files in the cache.', (s) => s.cacheStats().files);
  gauge('goimgserver_cache_bytes', 'Bytes of the derivative files in the cache.', (s) => s.cacheStats().bytes);

  return {
    /** Where the scraped counts come from, once the services exist. */
    attach(given: MetricsSources): void {
      sources = given;
    },
    observeRequest(route: string, status: number, seconds: number): void {
      requests.inc({ route, status: String(status) });
      requestSeconds.observe({ route }, seconds);
    },
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
