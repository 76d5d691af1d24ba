import pino from 'pino';
// Before anything starts libuv's pool: this lists the threads Node started with, which keep the event loop's priority.
import './thread-priority';
import { formatSettings } from './config/dump';
import { formatHelp } from './config/help';
import { ConfigError, loadConfig, shutdownBoundMs, type Config } from './config/load';
import { writeFileAtomic } from './fs/atomic-write';
import { createLineWriter } from './fs/line-writer';

const STDOUT = 1;
// Renders run on libuv's thread pool, which file reads and writes share: these threads stay
// free for the file system however many renders run.
const FILE_SYSTEM_THREADS = 4;

/** Where to find the server, for the start-up log: the address it listens on, as a browser on this machine would write it. */
function entryPoints(address: string, config: Config, playground: boolean): Record<string, string> {
  const base = address.replace('://0.0.0.0:', '://localhost:').replace('://[::]:', '://localhost:');
  return {
    graphql: `${base}/graphql`,
    ...(playground ? { playground: `${base}/playground` } : {}),
    health: `${base}/health`,
    ...(config.metrics ? { metrics: `${base}/metrics` } : {}),
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(formatHelp((await import('./app.js')).VERSION));
    return;
  }
  if (args.includes('--version') || args.includes('-v')) {
    process.stdout.write(`${(await import('./app.js')).VERSION}\n`);
    return;
  }
  const config = loadConfig(args, process.env, process.cwd());
  // Read by libuv when its pool starts, which loading sharp does: the app is loaded after this line.
  process.env.UV_THREADPOOL_SIZE ??= String(config.processingConcurrency + FILE_SYSTEM_THREADS);
  const { createApp, enabled, StartupError } = await import('./app.js');
  const logLines = createLineWriter(STDOUT);
  process.on('exit', logLines.flushSync);
  const logger = pino({ level: config.logLevel }, logLines);

  if (config.dump) {
    await writeFileAtomic('settings.conf', [Buffer.from(formatSettings(config))]).catch((error: NodeJS.ErrnoException) => {
      throw new StartupError(`settings.conf cannot be written in ${process.cwd()} (${error.code ?? 'unwritable'}); start in a folder this user can write, or without --dump.`);
    });
    logger.info({ file: 'settings.conf' }, 'effective settings written');
  }

  const app = await createApp(config, logger);
  const address = await app.listen();
  logger.info({ address, ...entryPoints(address, config, enabled(config.playground, config.production)), imagesDir: config.imagesDir, cacheDir: config.cacheDir, allowUnsigned: config.allowUnsigned }, 'goimgserver listening');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const boundMs = shutdownBoundMs(config);
    setTimeout(() => {
      logger.error({ boundSeconds: boundMs / 1000 }, 'shutdown took too long (--shutdown-timeout); exiting');
      process.exit(1);
    }, boundMs).unref();
    app.close().then(
      (closed) => {
        logger.info(closed, 'stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  // A StartupError is the app's: it is told by name, since the app is loaded inside main().
  if (error instanceof ConfigError || (error instanceof Error && error.name === 'StartupError')) {
    process.stderr.write(`goimgserver: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`goimgserver: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
