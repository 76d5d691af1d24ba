import path from 'node:path';
import { formatSettings } from '../../../src/config/dump';
import { ConfigError, loadConfig } from '../../../src/config/load';

const CWD = '/srv/app';

function problemsOf(argv: string[], env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    loadConfig(argv, env, CWD);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration', () => {
  it('has the original defaults', () => {
    const config = loadConfig([], {}, CWD);
    expect(config).toMatchObject({
      port: 9000,
      imagesDir: path.join(CWD, 'images'),
      cacheDir: path.join(CWD, 'cache'),
      precache: true,
      dump: false,
      allowUnsigned: false,
      minDimension: 10,
      maxDimension: 4000,
      maxSourcePixels: 50_000_000,
      production: false,
    });
    expect(config.precacheWorkers).toBeGreaterThan(0);
    expect(config.processingConcurrency).toBeGreaterThan(0);
  });

  it('takes --name value, --name=value and bare booleans', () => {
    const config = loadConfig(['--port', '8080', '--imagesdir=/data/img', '--allow-unsigned', '--precache=false'], {}, CWD);
    expect(config).toMatchObject({ port: 8080, imagesDir: '/data/img', allowUnsigned: true, precache: false });
    expect(config.origins.port).toBe('flag');
  });

  it('reads GOIMGSERVER_* variables, and a flag wins over its variable', () => {
    const env = { GOIMGSERVER_PORT: '7000', GOIMGSERVER_PRECACHE_WORKERS: '3', GOIMGSERVER_ALLOW_UNSIGNED: 'true' };
    expect(loadConfig([], env, CWD)).toMatchObject({ port: 7000, precacheWorkers: 3, allowUnsigned: true });
    expect(loadConfig(['--port', '7001'], env, CWD).port).toBe(7001);
    expect(loadConfig([], env, CWD).origins.port).toBe('environment');
  });

  it('knows production mode from NODE_ENV', () => {
    expect(loadConfig([], { NODE_ENV: 'production' }, CWD).production).toBe(true);
  });

  it('reports every problem at once, each with the setting it concerns', () => {
    const problems = problemsOf(['--port', 'eighty', '--precache', 'maybe', '--bogus', '1', 'stray'], { GOIMGSERVER_MAX_DIMENSION: '-5' });
    expect(problems).toEqual([
      'Unknown flag --bogus; known flags: --port, --host, --imagesdir, --cachedir, --precache, --precache-workers, --dump, --allow-unsigned, --min-dimension, --max-dimension, --max-source-pixels, --max-source-bytes, --processing-timeout, --processing-concurrency, --max-queue, --log-level',
      'Expected a flag like --name value but received "stray"',
      'Expected an integer from 0 to 65535 for --port but received "eighty"',
      'Expected true or false for --precache but received "maybe"',
      'Expected an integer from 1 to 100000 for GOIMGSERVER_MAX_DIMENSION but received "-5"',
    ]);
  });

  it('refuses a minimum dimension above the maximum', () => {
    expect(problemsOf(['--min-dimension', '500', '--max-dimension', '100'])).toEqual([
      'Expected --min-dimension (500) to be at most --max-dimension (100)',
    ]);
  });

  it('refuses a flag without its value', () => {
    expect(problemsOf(['--port'])).toEqual(['Expected a value after --port']);
  });

  it('dumps every effective setting with its origin', () => {
    const text = formatSettings(loadConfig(['--port', '1234'], { GOIMGSERVER_MAX_QUEUE: '5' }, CWD));
    expect(text).toContain('port = 1234  # flag');
    expect(text).toContain('max-queue = 5  # environment');
    expect(text).toContain('imagesdir = /srv/app/images  # default');
  });
});
