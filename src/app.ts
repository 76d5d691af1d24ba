import { availableParallelism, hostname } from 'node:os';
import { systemClock, type Clock } from './clock';
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, createReadStream, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { createIdentifier } from './auth/identify';
import { permissionTree, protect } from './auth/permissions';
import { MemoryRateLimitStore } from './auth/rate-limit-store';
import { createCallLimiter, createWindowCounter } from './auth/rate-limits';
import type { Config } from './config/load';
import { createAdminOperations } from './graphql/admin-operations';
import { cloneImagesRepository } from './git/clone';
import type { GitSettings } from './git/git';
import { createImageSync } from './git/sync';
import { createAuditor } from './graphql/audit';
import { createContextFactory } from './graphql/context';
import { createBrowseAdapter } from './graphql/browser';
import { createBrowser, DEFAULT_PAGE_SIZE, type BrowseFs } from './images/browse';
import { createImageDescriber } from './graphql/image-describer';
import { buildGraphQLSchema } from './graphql/schema';
import { createMetrics } from './http/metrics';
import { PLAYGROUND_ASSETS } from './http/playground-route';
import { createHttpServer } from './http/server';
import { createDiskCache } from './images/cache';
import type { DerivativeCache } from './images/derivative-cache';
import { createStoreCache } from './images/store-cache';
import { createSharedFolderStore } from './stores/shared-folder';
import { createLimiter } from './images/limiter';
import { createMetadataCache } from './images/metadata';
import { createPlaceholder } from './images/placeholder';
import { createPrecache } from './images/precache';
import { createResolver, type ResolverFs } from './images/resolve';
import { createImageService } from './images/service';
import { createInvalidation, type Invalidation } from './images/invalidation';
import { createPreviews } from './images/previews';
import { createSourceViews } from './images/view';
import { createWatermarks } from './images/watermarks';
import { createMetaStore } from './images/meta';
import { DEFAULT_SOURCE_FORMATS, DEFAULT_WIDTHS } from './images/responsive';
import { defaultSpec } from './images/spec';
import { createTransformer, renderPlaceholder } from './images/transform';
import { createRenderPool } from './images/render-pool';
import type { Replicas } from './replicas/coordinate';
import { createDescriber } from './images/describe';
import { createServe } from './images/serve';
import { createEventLoopLoad } from './event-loop-load';
import { createMemo } from './memo';
import { MEMORY_BOUNDS } from './memory-bounds';
import { createThreadPriority } from './thread-priority';
import { IMAGE_PREFIX, createUrlSigner } from './signing/url-signer';

/** A problem that stops the server from starting, told to the operator as is. */
export class StartupError extends Error {
  override name = 'StartupError';
}

// A source is hashed in chunks of this size, each read on libuv's pool: hashing one takes the
// event loop for about 0.2 ms at a time, and larger chunks hash no faster (measured, README).
const HASH_CHUNK_BYTES = 256 * 1024;

const nodeResolverFs: ResolverFs = {
  stat: (file) => fs.stat(file).catch(() => null),
  realpath: (file) => fs.realpath(file),
  readdir: (dir) => fs.readdir(dir).catch(() => []),
  read: (file) => createReadStream(file, { highWaterMark: HASH_CHUNK_BYTES }),
};

const nodeBrowseFs: BrowseFs = {
  ...nodeResolverFs,
  list: async (dir) =>
    (await fs.readdir(dir, { withFileTypes: true }).catch(() => [])).map((entry) => ({
      name: entry.name,
      kind: entry.isSymbolicLink() ? 'link' : entry.isDirectory() ? 'folder' : entry.isFile() ? 'file' : 'other',
    })),
};

export const VERSION: string = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version;

/** Builds every service from its slice of the configuration and wires them together. */
/** What the server takes from its surroundings besides its configuration; tests pass their own. */
export interface AppDependencies {
  /** Decides source rechecks and render budgets' windows. @default systemClock */
  clock?: Clock;
  /** Node options of the render processes (a TypeScript loader where the sources run uncompiled). @default [] */
  renderExecArgv?: readonly string[];
}

/**
 * More bytes than any derivative can have: eight per pixel (a 16-bit PNG with alpha) of the
 * largest output, an animation's frames together (at most --max-source-pixels), and a
 * mebibyte for headers and metadata.
 */
function largestDerivativeBytes(config: Pick<Config, 'maxOutputPixels' | 'maxSourcePixels'>): number {
  return 8 * Math.max(config.maxOutputPixels, config.maxSourcePixels) + 1024 * 1024;
}

export async function createApp(config: Config, baseLogger: Logger, { clock = systemClock, renderExecArgv = [] }: AppDependencies = {}) {
  // Names this replica in every log line, /health and /metrics: unique per machine and process.
  const replicaId = `${hostname()}-${process.pid}`;
  const logger = baseLogger.child({ replica: replicaId });
  const git: GitSettings = { timeoutSeconds: config.gitTimeout, env: config.gitEnv };
  if (config.gitUrl) await cloneImages(config, git, logger);

  const imagesRoot = await fs.realpath(config.imagesDir).catch(() => null);
  if (!imagesRoot || !(await fs.stat(imagesRoot)).isDirectory()) {
    throw new StartupError(`The images directory ${config.imagesDir} does not exist or is not a folder (--imagesdir).`);
  }
  // Listing it and opening what it lists is what resolving a path does: a folder this user cannot
  // list, or can list but not enter (read without execute permission), would answer every
  // request with a default image.
  const unreadable = await fs
    .access(imagesRoot, fsConstants.X_OK)
    .then(() => fs.opendir(imagesRoot))
    .then((dir) => dir.close().then(() => null), (error: NodeJS.ErrnoException) => error.code ?? 'unreadable');
  if (unreadable) {
    throw new StartupError(`The images directory ${config.imagesDir} cannot be read by this user (${unreadable}); fix its permissions or choose another (--imagesdir).`);
  }

  const cacheRoot = await fs.realpath(config.cacheDir).catch(() => path.resolve(config.cacheDir));
  if (overlapping(imagesRoot, cacheRoot)) {
    throw new StartupError(`The cache directory ${config.cacheDir} and the images directory ${config.imagesDir} overlap (one is, or is inside, the other): derivatives would be written among the originals. Choose separate folders (--cachedir, --imagesdir).`);
  }

  const transformLimits = { maxSourcePixels: config.maxSourcePixels, timeoutSeconds: config.processingTimeout };
  const processes = Math.min(config.renderProcesses, config.processingConcurrency);
  const pool =
    processes === 0
      ? null
      : createRenderPool({
          processes,
          rendersPerProcess: Math.ceil(config.processingConcurrency / processes),
          nice: config.renderPriority,
          limits: transformLimits,
          execArgv: renderExecArgv,
          onExit: (ended) => logger.error(ended, 'a render process ended; the renders it ran failed with 503 and the next render starts another'),
        });
  const local = createTransformer(transformLimits);
  // Headers are read here; the pixel work runs in the render processes when there are any.
  const transformer = pool ? { ...local, render: pool.render, renderPreview: pool.renderPreview, findTrim: pool.findTrim, dominantColour: pool.dominantColour } : local;
  const watermarks = await createWatermarks(config.watermarks, { imagesRoot, transformer }).catch((error: Error) => {
    throw new StartupError(`${error.message} (--watermarks)`);
  });
  for (const preset of config.presets) {
    const name = preset.spec.watermark?.name;
    if (name !== undefined && !watermarks.names().includes(name)) {
      throw new StartupError(`The preset ${preset.name} lays the watermark ${name}, which --watermarks does not configure.`);
    }
  }

  if (config.auditFile) {
    await fs.appendFile(config.auditFile, '').catch((error: NodeJS.ErrnoException) => {
      throw new StartupError(`The audit file ${config.auditFile} cannot be appended to (${error.code ?? 'unwritable'}); fix its folder or --audit-file.`);
    });
  }

  const metrics = config.metrics ? createMetrics() : null;
  const { cache, where } = await createDerivativeCache(config, replicaId, logger);
  const { writable } = await cache.open().catch((error: Error) => {
    throw new StartupError(error.message);
  });
  // Requests are answered (hits included) while the local cache folder is walked, or a shared store swept.
  const walkStarted = Date.now();
  const walked = cache.index().then(
    ({ removedTemporary, links }) => {
      if (config.cacheStore !== 'local') {
        logger.info({ store: config.cacheStore, where, removedTemporary, durationMs: Date.now() - walkStarted }, 'cache store ready');
        return;
      }
      logger.info({ ...cache.stats(), removedTemporary, durationMs: Date.now() - walkStarted }, 'cache scanned');
      if (links.length > 0) {
        logger.warn({ links: links.slice(0, 10), count: links.length }, 'the cache folder contains symbolic links; nothing is read or written through them (remove them or choose another --cachedir)');
      }
    },
    (error: unknown) => logger.error({ err: error }, 'walking the cache folder failed; eviction and statistics count only what is written from now on'),
  );
  if (!writable) {
    logger.warn(
      { store: config.cacheStore, where },
      config.cacheStore === 's3'
        ? 'the derivative bucket cannot be reached or written now; derivatives are kept in memory only until it can (--memory-cache-size)'
        : 'the cache folder cannot be written; derivatives are kept in memory only (--memory-cache-size)',
    );
  }

  // The local folder keeps the placeholder's copy whatever the store: it is drawn and served from memory anyway.
  const placeholder = createPlaceholder(config.cacheDir, renderPlaceholder, (error) => logger.warn({ err: error }, 'the generated placeholder could not be copied to the cache folder; it is served from memory'));
  const resolver = createResolver(
    {
      imagesRoot,
      placeholder,
      onEscape: onceAMinute((relative) => logger.warn({ path: relative }, 'symlink leads outside the images directory; ignored (told once a minute per path)')),
      recheckMs: config.sourceCheckInterval * 1000,
      clock,
      maxReadBytes: config.maxSourceBytes,
    },
    nodeResolverFs,
  );
  const limits = { minDimension: config.minDimension, maxDimension: config.maxDimension, maxOutputPixels: config.maxOutputPixels };
  const animation = { maxFrames: config.maxFrames, maxPixels: config.maxSourcePixels };
  const metadata = createMetadataCache(transformer, { maxSourceBytes: config.maxSourceBytes });
  // Renders yield to the requests being served: fewer start while the event loop is busy, and their threads run at a lower priority.
  const eventLoop = createEventLoopLoad(() => limiter.resume());
  const limiter = createLimiter({
    concurrency: config.processingConcurrency,
    maxQueue: config.maxQueue,
    busy: eventLoop.busy,
    // One core stays free for the event loop; a render runs one libvips thread.
    busyConcurrency: Math.max(1, availableParallelism() - 1),
    // Render processes have their own priority; renders in this process lower their threads.
    ...(pool ? {} : { around: createThreadPriority(config.renderPriority, logger) }),
  });
  const invalidation = createInvalidation({ resolver, cache });
  const views = createSourceViews({ transformer, limiter });
  const meta = createMetaStore({ imagesRoot, fs: { ...nodeResolverFs, stat: (file) => fs.stat(file).catch(() => null), readFile: (file) => fs.readFile(file) } });
  const browser = createBrowser({ imagesRoot, fs: nodeBrowseFs, resolver, transformer, limiter, meta, maxPageSize: config.maxPageSize });
  const service = createImageService({
    bounds: limits,
    animation,
    timeoutSeconds: config.processingTimeout,
    transformer,
    metadata,
    views,
    watermarks,
    cache,
    limiter,
    onRender: (format, seconds) => metrics?.observeRender(format, seconds),
    onLoaded: (source) => invalidation.learn(source),
  });
  const previews = createPreviews({ bounds: limits, metadata, views, limiter, transformer });

  let secret = config.signingSecret;
  if (secret === '') {
    secret = randomBytes(32).toString('base64url');
    logger.warn('no GOIMGSERVER_SIGNING_SECRET: generated an ephemeral one; image URLs stop verifying when the server restarts');
  }
  const signer = createUrlSigner({ secret, previousSecret: config.signingSecretPrevious || undefined, publicUrl: config.publicUrl || undefined, limits });

  const systemDefault = await resolver.resolve(['default']);
  if (systemDefault.kind === 'GENERATED') logger.info('no system default image; the generated placeholder stands in');

  const sync = createImageSync({
    dir: imagesRoot,
    git,
    invalidation: {
      snapshot: invalidation.snapshot,
      clear: async (before, changed) => {
        // A changed watermark file gives new versions: images that carry it get new URLs and keys.
        await watermarks.reload(logger);
        return (await invalidation.clearChanged(before, changed)).files;
      },
    },
    onOutcome: (outcome) => metrics?.observeSync(outcome),
  });

  const budgets = [config.rateLimitImage, config.rateLimitImages, config.rateLimitAdmin, config.rateLimitRenders];
  // A client app's budgets are the largest: the store keeps as many calls as they can hold.
  const rateLimitStore = new MemoryRateLimitStore({ maxTimestamps: Math.max(1, ...budgets.map((budget) => budget.max)) * config.clientTokenFactor });
  const replicas = config.redisUrl
    ? // Loaded only with --redis-url: a single server loads no Redis client.
      (await import('./replicas/coordinate.js')).startReplicas({
        url: config.redisUrl,
        password: config.redisPassword,
        replicaId,
        log: logger,
        clock,
        local: createWindowCounter(rateLimitStore, clock),
        // The replica that cleared has cleared a shared store already: here only what this one holds goes.
        clearHere: (path) => invalidation.clear(path, { heard: true }),
        forgetMemory: () => {
          cache.dropMemory();
          resolver.forget();
        },
      })
    : null;
  // A store the replicas share is pre-cached by one replica at a time (the others then skip what it stored).
  const sharedTurn = replicas && config.cacheStore !== 'local' ? replicas : null;
  const precache = createPrecache(
    { service, resolver, cache },
    { imagesRoot, workers: config.precacheWorkers, spec: defaultSpec(), ...(sharedTurn ? { takeTurn: (signal: AbortSignal) => sharedTurn.turn('precache', signal) } : {}) },
    logger,
  );

  const counter = replicas?.counter ?? createWindowCounter(rateLimitStore, clock);
  const replica = { id: replicaId, redis: replicas?.redis ?? null };
  // One sync across replicas with Redis; alone, this checkout is the only one to report.
  const syncing = replicas
    ? replicas.relaySync(sync)
    : {
        sync: sync.sync,
        status: async () => {
          const own = await sync.status();
          return { ...own, replicas: [{ replica: replicaId, currentCommit: own.currentCommit, seenAt: new Date() }] };
        },
      };
  metrics?.attach({ stats: service.stats, cacheStats: cache.stats, replica });
  const admitRender = createCallLimiter(counter, 'renders', config.rateLimitRenders);

  const serve = createServe({
    service,
    resolver,
    metadata,
    cache,
    limiter,
    limits,
    prefix: IMAGE_PREFIX,
    verify: signer.verify,
    allowUnsigned: config.allowUnsigned,
    staleMaxAge: config.staleMaxAge,
    watermarks,
  });

  const server = await createHttpServer({
    logger,
    imageStats: service.stats,
    imageRoute: { serve, admitRender },
    graphql: {
      schema: protect(
        await buildGraphQLSchema(),
        permissionTree(counter, { image: config.rateLimitImage, images: config.rateLimitImages, admin: config.rateLimitAdmin }, { maxBatch: config.maxBatch, pageSize: DEFAULT_PAGE_SIZE }),
      ),
      introspection: enabled(config.introspection, config.production),
      playground: enabled(config.playground, config.production),
      limits: { maxDepth: config.maxDepth, maxAliases: config.maxAliases, maxTokens: config.maxTokens, maxFields: config.maxFields, maxCost: config.maxCost },
      costDefaults: { widths: DEFAULT_WIDTHS.length, formats: DEFAULT_SOURCE_FORMATS.length, pageSize: DEFAULT_PAGE_SIZE },
      context: createContextFactory({
        identify: createIdentifier(config.adminTokens, config.clientTokens),
        clientTokenFactor: config.clientTokenFactor,
        describer: createImageDescriber({
          describer: createDescriber({ resolver, metadata, views, watermarks, meta, animation, previews, limits, presets: new Map(config.presets.map((preset) => [preset.name, preset])), presetsOnly: config.presetsOnly }),
          signer,
          maxBatch: config.maxBatch,
          admitRender,
        }),
        browser: createBrowseAdapter(browser),
        admin: createAdminOperations({ metadataProblems: browser.metaProblemsIn, imageStats: service.stats, invalidation: replicas ? announcing(invalidation, replicas) : invalidation, cacheStats: cache.stats, sync: syncing, auditor: createAuditor({ file: config.auditFile }) }),
      }),
    },
    playgroundAssets: enabled(config.playground, config.production) ? PLAYGROUND_ASSETS : null,
    version: VERSION,
    trustedProxies: config.trustedProxies,
    // The store says what files and bytes count: all of this replica's folder, or what it wrote to a shared store.
    cacheStats: () => ({ store: config.cacheStore, ...cache.stats() }),
    replica,
    precacheProgress: precache.progress,
    precacheEnabled: config.precache,
    metrics,
    logHits: config.logHits,
    cors: { origins: config.corsOrigins, adminOrigins: config.corsAdminOrigins },
    connections: { headersTimeoutSeconds: config.headersTimeout, maxPerClient: config.maxConnectionsPerClient },
  });

  let closing = false;
  let learning: Promise<void> = Promise.resolve();

  return {
    server,
    service,
    /** Resolution, the cache and the bytes route's use case, for the tests that watch them. */
    resolver,
    cache,
    serve,
    previews,
    /** The processing slots every render (requests, placeholders, the pre-cache) waits for. */
    limiter,
    precache,
    /** Starts listening; the pre-cache (when on) runs in the background while requests are served. */
    async listen(): Promise<string> {
      const address = await server.listen({ port: config.port, host: config.host }).catch((error: NodeJS.ErrnoException) => {
        throw listenError(error, config);
      });
      if (config.precache) {
        precache.run().catch((error: unknown) => logger.error({ err: error }, 'pre-cache failed'));
      }
      // Derivatives cached before this start: which source answers each, so a sync knows what it reaches.
      learning = walked.then(() => invalidation.learnCached(logger, () => closing)).catch((error: unknown) => logger.warn({ err: error }, 'resolving the cached paths failed; a sync resolves them itself'));
      return address;
    },
    /**
     * Stops accepting connections, lets the requests in flight finish, waits for renders
     * nobody waits for any more (the pre-cache's), and deletes temporary files a write cut
     * short may have left. A clear's files not deleted yet are left to the next start, which
     * knows them for cleared by the clear's marker.
     */
    async close(): Promise<{ removedTemporary: number }> {
      closing = true;
      precache.stop();
      eventLoop.stop();
      await server.close();
      await service.settled();
      await pool?.close();
      await replicas?.close();
      await walked;
      await learning;
      return { removedTemporary: await cache.removeTemporary() };
    },
  };
}

/**
 * The derivative cache of `--cache-store`: this replica's folder, walked and bounded, or a
 * store every replica shares, neither walked nor bounded. The AWS SDK is loaded only for s3.
 */
async function createDerivativeCache(config: Config, replicaId: string, logger: Logger): Promise<{ cache: DerivativeCache; where: string }> {
  if (config.cacheStore === 'local') {
    return { cache: createDiskCache({ dir: config.cacheDir, maxBytes: config.cacheMaxSize, memoryBytes: config.memoryCacheSize }), where: config.cacheDir };
  }
  const store =
    config.cacheStore === 'shared'
      ? createSharedFolderStore({ dir: config.cacheDir, replica: replicaId })
      : (await import('./stores/s3.js')).createS3Store({
          bucket: config.s3Bucket,
          prefix: config.s3Prefix,
          endpoint: config.s3Endpoint,
          region: config.s3Region,
          forcePathStyle: config.s3ForcePathStyle,
          timeoutMs: config.s3Timeout * 1000,
          maxObjectBytes: largestDerivativeBytes(config),
        });
  let warnedAt = -Infinity;
  const cache = createStoreCache(store, {
    memoryBytes: config.memoryCacheSize,
    // Every request would tell it while the store is away: once a minute, counted in readFailures.
    onReadFailure: (error) => {
      if (Date.now() - warnedAt < 60_000) return;
      warnedAt = Date.now();
      logger.warn({ err: error, store: config.cacheStore, where: store.where }, 'the derivative store did not answer a read; served as a miss and rendered again (told once a minute)');
    },
    onDeleted: (outcome) =>
      'freed' in outcome
        ? logger.info({ ...outcome.freed, where: store.where }, 'cache cleared: the derivatives of the store are deleted')
        : logger.error({ err: outcome.error, where: store.where }, 'deleting the cleared derivatives stopped; they are never served (the next clear, or the bucket lifecycle, removes them)'),
  });
  return { cache, where: store.where };
}

/** Clears that also tell the other replicas, which clear the same on their side. */
function announcing(invalidation: Invalidation, replicas: Pick<Replicas, 'announceClear'>): Invalidation {
  return {
    ...invalidation,
    async clear(path: string | null) {
      const freed = await invalidation.clear(path);
      replicas.announceClear(path);
      return freed;
    },
  };
}

/** A failure to listen, told as one line naming the setting to change. */
function listenError(error: NodeJS.ErrnoException, config: Config): Error {
  switch (error.code) {
    case 'EADDRINUSE':
      return new StartupError(`Port ${config.port} on ${config.host} is already in use; choose another with --port.`);
    case 'EACCES':
      return new StartupError(`Port ${config.port} needs privileges this process does not have; choose one above 1023 with --port.`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartupError(`${config.host} is not an address of this machine; set --host to one (0.0.0.0 for all, 127.0.0.1 for this machine only).`);
    default:
      return error;
  }
}

/** Calls `tell` at most once a minute per key, so a warning that each request would repeat cannot flood the log. */
function onceAMinute(tell: (key: string) => void): (key: string) => void {
  const told = createMemo<number>(MEMORY_BOUNDS.warnedPaths);
  return (key) => {
    const now = Date.now();
    if (now - (told.get(key) ?? -Infinity) < 60_000) return;
    told.set(key, now);
    tell(key);
  };
}

/** Whether one folder is the other or inside it. */
function overlapping(a: string, b: string): boolean {
  const inside = (child: string, parent: string) => child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);
  return inside(a, b) || inside(b, a);
}

/** `auto` means on except in production. */
/** An `auto`/`true`/`false` setting: auto is on except in production. */
export function enabled(setting: string, production: boolean): boolean {
  return setting === 'auto' ? !production : setting === 'true';
}

async function cloneImages(config: Config, git: GitSettings, logger: Logger): Promise<void> {
  const outcome = await cloneImagesRepository({ url: config.gitUrl, branch: config.gitBranch, dir: config.imagesDir, git }, logger).catch((error: unknown) => {
    logger.error({ err: error }, 'clone failed');
    throw new StartupError(`Cloning --git-url into ${config.imagesDir} failed; the log has git's answer.`);
  });
  if (outcome === 'not-empty') {
    throw new StartupError(`--git-url is set but the images directory ${config.imagesDir} is neither empty nor a git checkout; empty it or unset --git-url.`);
  }
  logger.info({ dir: config.imagesDir }, outcome === 'cloned' ? 'images repository cloned' : 'images repository already present; syncImages updates it');
}

export type App = Awaited<ReturnType<typeof createApp>>;
