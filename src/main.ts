import pino from 'pino';
import { createApp, StartupError } from './app';
import { formatSettings } from './config/dump';
import { ConfigError, loadConfig } from './config/load';
import { writeFileAtomic } from './fs/atomic-write';
import { createLineWriter } from './fs/line-writer';

const SHUTDOWN_TIMEOUT_MS = 10_000;
const STDOUT = 1;
// Renders run on libuv's thread pool, which file reads and writes share: these threads stay
// free for the file system however many renders run.
const FILE_SYSTEM_THREADS = 4;

async function main(): Promise<void> {
  const config = loadConfig(process.argv.slice(2), process.env, process.cwd());
  // Read by libuv when the pool first starts, which is after this line.
  process.env.UV_THREADPOOL_SIZE ??= String(config.processingConcurrency + FILE_SYSTEM_THREADS);
  const logLines = createLineWriter(STDOUT);
  process.on('exit', logLines.flushSync);
  const logger = pino({ level: config.logLevel }, logLines);

  if (config.dump) {
    await writeFileAtomic('settings.conf', [Buffer.from(formatSettings(config))]);
    logger.info({ file: 'settings.conf' }, 'effective settings written');
  }

  const app = await createApp(config, logger);
  const address = await app.listen();
  logger.info({ address, imagesDir: config.imagesDir, cacheDir: config.cacheDir, allowUnsigned: config.allowUnsigned }, 'goimgserver listening');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
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
  if (error instanceof ConfigError || error instanceof StartupError) {
    process.stderr.write(`goimgserver: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`goimgserver: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
