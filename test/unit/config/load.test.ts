import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatSettings } from '../../../src/config/dump';
import { ConfigError, loadConfig, shutdownBoundMs } from '../../../src/config/load';
import { tempDir } from '../../helpers/temp';

const CWD = '/srv/app';
const SECRET = 'correct-horse-battery-staple-0123456789';

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
    expect(loadConfig([], { NODE_ENV: 'production', GOIMGSERVER_SIGNING_SECRET: SECRET }, CWD).production).toBe(true);
  });

  it('reports every problem at once, each with the setting it concerns', () => {
    const problems = problemsOf(['--port', 'eighty', '--precache', 'maybe', '--bogus', '1', 'stray'], { GOIMGSERVER_MAX_DIMENSION: '-5' });
    expect(problems).toEqual([
      expect.stringMatching(/^Unknown flag --bogus; known flags: --port, --host, --imagesdir, .*--log-level$/),
      'Expected a flag like --name value but received "stray"',
      'Expected an integer from 0 to 65535 for --port but received "eighty"',
      'Expected true or false for --precache but received "maybe"',
      'Expected an integer from 1 to 100000 for GOIMGSERVER_MAX_DIMENSION but received "-5"',
    ]);
    expect(problems[0]).not.toMatch(/--signing-secret|--admin-tokens/);
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

  describe('secrets', () => {
    const folder = tempDir('goimgserver-secret-');

    it('reads the signing secrets from the environment', () => {
      const config = loadConfig([], { GOIMGSERVER_SIGNING_SECRET: SECRET, GOIMGSERVER_SIGNING_SECRET_PREVIOUS: `old-${SECRET}` }, CWD);
      expect(config).toMatchObject({ signingSecret: SECRET, signingSecretPrevious: `old-${SECRET}` });
      expect(config.origins.signingSecret).toBe('environment');
    });

    it('reads a secret from the file named by <VARIABLE>_FILE, without its final newline', () => {
      const file = path.join(folder, 'signing.key');
      writeFileSync(file, `${SECRET}\n`);
      const config = loadConfig([], { GOIMGSERVER_SIGNING_SECRET_FILE: file }, CWD);
      expect(config.signingSecret).toBe(SECRET);
      expect(config.origins.signingSecret).toBe('file');
    });

    it.each([
      [['--signing-secret', SECRET], {}, '--signing-secret is a secret: set GOIMGSERVER_SIGNING_SECRET or GOIMGSERVER_SIGNING_SECRET_FILE instead of a flag'],
      [[], { GOIMGSERVER_SIGNING_SECRET: 'short' }, 'Expected at least 32 characters for GOIMGSERVER_SIGNING_SECRET but received 5 characters'],
      [[], { GOIMGSERVER_SIGNING_SECRET: SECRET, GOIMGSERVER_SIGNING_SECRET_FILE: '/x' }, 'Expected only one of GOIMGSERVER_SIGNING_SECRET and GOIMGSERVER_SIGNING_SECRET_FILE'],
      [[], { GOIMGSERVER_SIGNING_SECRET_FILE: '/nonexistent/key' }, 'Expected a readable file for GOIMGSERVER_SIGNING_SECRET_FILE but received "/nonexistent/key" (ENOENT)'],
      [[], { NODE_ENV: 'production' }, 'GOIMGSERVER_SIGNING_SECRET (or GOIMGSERVER_SIGNING_SECRET_FILE) is required in production (NODE_ENV=production)'],
      [[], { GOIMGSERVER_SIGNING_SECRET_PREVIOUS: SECRET }, 'GOIMGSERVER_SIGNING_SECRET_PREVIOUS needs GOIMGSERVER_SIGNING_SECRET, the key that replaced it'],
    ])('refuses %j with %j', (argv, env, problem) => {
      const problems = problemsOf(argv, env);
      expect(problems).toEqual([problem]);
      expect(problems.join()).not.toContain(SECRET);
    });

    it('never writes a secret into the settings dump', () => {
      const text = formatSettings(loadConfig([], { GOIMGSERVER_SIGNING_SECRET: SECRET }, CWD));
      expect(text).toContain('signing-secret = (set, not shown)  # environment');
      expect(text).toContain('signing-secret-previous = (unset)  # default');
      expect(text).not.toContain(SECRET);
    });
  });

  it('defaults the hot-path settings and refuses bad values of them, each named', () => {
    const config = loadConfig([], {}, CWD);
    expect(config).toMatchObject({ memoryCacheSize: 64 * 1024 * 1024, sourceCheckInterval: 1, logHits: true });
    expect(config.processingConcurrency).toBe(2 * os.availableParallelism());
    expect(problemsOf(['--source-check-interval', '-1', '--memory-cache-size', 'lots', '--log-hits', 'maybe'])).toEqual([
      'Expected a size in bytes, or with k, m or g (such as 10g), or 0 for --memory-cache-size but received "lots"',
      'Expected an integer from 0 to 3600 for --source-check-interval but received "-1"',
      'Expected true or false for --log-hits but received "maybe"',
    ]);
  });

  it.each([
    ['https://cdn.example.com/', 'https://cdn.example.com'],
    ['https://example.com/images', 'https://example.com/images'],
  ])('takes the public URL %j as %j', (given, expected) => {
    expect(loadConfig(['--public-url', given], {}, CWD).publicUrl).toBe(expected);
  });

  it.each(['cdn.example.com', 'ftp://example.com', 'https://example.com/?a=1', 'https://example.com/#top'])('refuses the public URL %j', (given) => {
    expect(problemsOf(['--public-url', given])).toEqual([
      `Expected an absolute http(s) URL without query or fragment for --public-url but received ${JSON.stringify(given)}`,
    ]);
  });

  it.each([
    ['600/1m', { max: 600, windowSeconds: 60 }],
    ['5/30s', { max: 5, windowSeconds: 30 }],
    ['1000/1h', { max: 1000, windowSeconds: 3600 }],
    ['off', { max: 0, windowSeconds: 1 }],
  ])('reads the budget %j', (given, expected) => {
    expect(loadConfig(['--rate-limit-image', given], {}, CWD).rateLimitImage).toEqual(expected);
  });

  it.each(['600', '600/', '0/1m', '10/0s', '10/2d', '10/25h', 'lots/1m', '-1/1m'])('refuses the budget %j at start-up', (given) => {
    expect(problemsOf(['--rate-limit-admin', given])).toEqual([
      `Expected a budget like 600/1m (calls per window of s, m or h, at most a day) or off for --rate-limit-admin but received ${JSON.stringify(given)}`,
    ]);
  });

  it('reads trusted proxies as addresses and ranges', () => {
    expect(loadConfig(['--trusted-proxies', '10.0.0.0/8, 127.0.0.1,::1'], {}, CWD).trustedProxies).toEqual(['10.0.0.0/8', '127.0.0.1', '::1']);
    expect(problemsOf(['--trusted-proxies', 'proxy.example.com'])).toEqual([
      'Expected comma-separated IP addresses or CIDR ranges (such as 10.0.0.0/8) for --trusted-proxies but received "proxy.example.com"',
    ]);
  });
});

describe('redis settings', () => {
  it.each(['redis://127.0.0.1:6379', 'redis://cache.internal:6380/2', 'rediss://user@redis.example.com:6380/0'])('takes the Redis URL %j', (given) => {
    expect(loadConfig(['--redis-url', given], {}, CWD).redisUrl).toBe(given);
  });

  it('is off unless set', () => {
    expect(loadConfig([], {}, CWD).redisUrl).toBe('');
  });

  it('refuses a URL with a password, never quoting it back, and names where the password goes', () => {
    expect(problemsOf(['--redis-url', 'redis://:hunter2-secret@redis.example.com:6379'])).toEqual([
      'Expected a Redis URL without a password (set GOIMGSERVER_REDIS_PASSWORD or GOIMGSERVER_REDIS_PASSWORD_FILE) for --redis-url but received "redis://:***@redis.example.com:6379"',
    ]);
  });

  it('refuses a query, which the Redis client would read options from (a password among them), never quoting it back', () => {
    expect(problemsOf(['--redis-url', 'redis://redis.example.com:6379/0?password=hunter2-secret'])).toEqual([
      'Expected a Redis URL without a query or fragment (a password goes in GOIMGSERVER_REDIS_PASSWORD or GOIMGSERVER_REDIS_PASSWORD_FILE) for --redis-url but received "redis://redis.example.com:6379/0?***"',
    ]);
    expect(problemsOf(['--redis-url', 'redis://redis.example.com/0#x'])).toHaveLength(1);
  });

  it.each(['redis://redis.example.com/cache', 'redis://redis.example.com/0/1'])('refuses %j, whose path is not a database number', (given) => {
    expect(problemsOf(['--redis-url', given])).toEqual([`Expected a Redis URL whose path is a database number, such as redis://host:6379/0 for --redis-url but received ${JSON.stringify(given)}`]);
  });

  it.each(['http://redis.example.com', 'redis.example.com:6379', 'redis://', 'unix:///run/redis.sock'])('refuses %j, which is not a redis:// or rediss:// URL', (given) => {
    expect(problemsOf(['--redis-url', given])).toEqual([`Expected a URL such as redis://host:6379/0 or rediss://host:6380 for --redis-url but received ${JSON.stringify(given)}`]);
  });

  it('takes the password from the environment or a file only', () => {
    expect(loadConfig([], { GOIMGSERVER_REDIS_PASSWORD: 'sesame' }, CWD).redisPassword).toBe('sesame');
    expect(problemsOf(['--redis-password', 'sesame'])).toEqual(['--redis-password is a secret: set GOIMGSERVER_REDIS_PASSWORD or GOIMGSERVER_REDIS_PASSWORD_FILE instead of a flag']);
  });
});

describe('where derivatives are kept (--cache-store and --s3-*)', () => {
  const s3 = ['--cache-store', 's3', '--s3-bucket', 'goimg-derivatives'];

  it('keeps them in the local folder unless told otherwise', () => {
    expect(loadConfig([], {}, CWD)).toMatchObject({ cacheStore: 'local', s3Bucket: '', s3Endpoint: '', s3Region: '', s3Prefix: '', s3ForcePathStyle: false, s3Timeout: 5 });
  });

  it('takes a shared volume, or a bucket with its endpoint, region, prefix and path style', () => {
    expect(loadConfig(['--cache-store', 'shared'], {}, CWD).cacheStore).toBe('shared');
    const config = loadConfig([...s3, '--s3-endpoint', 'http://minio.internal:9000', '--s3-region', 'eu-west-3', '--s3-prefix', 'site/derivatives', '--s3-force-path-style', '--s3-timeout', '2'], {}, CWD);
    expect(config).toMatchObject({ cacheStore: 's3', s3Bucket: 'goimg-derivatives', s3Endpoint: 'http://minio.internal:9000', s3Region: 'eu-west-3', s3Prefix: 'site/derivatives/', s3ForcePathStyle: true, s3Timeout: 2 });
  });

  it.each([
    [['--cache-store', 'redis'], 'Expected one of local, shared, s3 for --cache-store but received "redis"'],
    [[...s3.slice(0, 2), '--s3-bucket', 'Bad_Bucket'], 'Expected a bucket name of 3 to 63 lower-case letters, digits, dots and hyphens for --s3-bucket but received "Bad_Bucket"'],
    [[...s3, '--s3-endpoint', 'http://key:secret@minio.internal:9000'], 'Expected an http(s) URL without credentials, query or fragment (credentials come from the AWS environment variables or default provider chain) for --s3-endpoint but received "http://key:***@minio.internal:9000/"'],
    [[...s3, '--s3-endpoint', 'minio.internal:9000'], 'Expected an http(s) URL without credentials, query or fragment (credentials come from the AWS environment variables or default provider chain) for --s3-endpoint but received "minio.internal:9000"'],
    [[...s3, '--s3-region', 'eu west'], 'Expected a region name such as eu-west-3 for --s3-region but received "eu west"'],
    [[...s3, '--s3-prefix', '../other'], 'Expected a key prefix of /-separated names, none empty or starting with "." (such as site/derivatives) for --s3-prefix but received "../other"'],
    [[...s3, '--s3-prefix', '/root'], 'Expected a key prefix of /-separated names, none empty or starting with "." (such as site/derivatives) for --s3-prefix but received "/root"'],
    [['--cache-store', 'shared', '--cache-max-size', '10g'], '--cache-max-size bounds only --cache-store local: no replica walks a shared store, so its size is not known; set --cache-max-size 0 and let the volume or the bucket expire old derivatives'],
    [[...s3, '--cache-max-size', '1m'], '--cache-max-size bounds only --cache-store local: no replica walks a shared store, so its size is not known; set --cache-max-size 0 and let the volume or the bucket expire old derivatives'],
    [['--cache-store', 's3'], '--cache-store s3 needs --s3-bucket'],
    [['--s3-bucket', 'goimg-derivatives'], '--s3-bucket, --s3-endpoint and --s3-prefix apply only to --cache-store s3'],
  ])('refuses %j in one line', (argv, problem) => {
    expect(problemsOf(argv)).toEqual([problem]);
  });

  it('has no setting for credentials: they come from the AWS environment or default provider chain only', () => {
    expect(problemsOf(['--s3-secret-access-key', 'x'])[0]).toMatch(/^Unknown flag --s3-secret-access-key/);
  });
});

describe('git settings', () => {
  it.each([
    'https://git.example.com/team/images.git',
    'ssh://git@git.example.com/team/images.git',
    'git@git.example.com:team/images.git',
    'file:///srv/git/images.git',
    '/srv/git/images.git',
  ])('takes the repository URL %j', (given) => {
    expect(loadConfig(['--git-url', given], {}, CWD).gitUrl).toBe(given);
  });

  it('refuses a URL with a password and never quotes the password back', () => {
    const problems = problemsOf(['--git-url', 'https://deploy:hunter2-secret@git.example.com/images.git']);
    expect(problems).toEqual([
      'Expected a repository URL without a password (use a git credential helper or an SSH key) for --git-url but received "https://deploy:***@git.example.com/images.git"',
    ]);
  });

  it.each(['--upload-pack=touch /tmp/x', 'ext::sh -c touch% /tmp/x', 'https://example.com/a.git;rm -rf /', 'https://example.com/$(id).git', 'repo`id`'])(
    'refuses the repository URL %j, which a shell or git would act on',
    (given) => {
      expect(problemsOf([`--git-url=${given}`])).toEqual([
        `Expected a repository URL or path without shell metacharacters or spaces for --git-url but received ${JSON.stringify(given)}`,
      ]);
    },
  );

  it.each(['main', 'release/2026.11', 'feature_x-1'])('takes the branch %j', (given) => {
    expect(loadConfig(['--git-branch', given], {}, CWD).gitBranch).toBe(given);
  });

  it.each(['-b', '--orphan', 'a..b', 'main.lock', 'topic/', 'a b', 'a;b'])('refuses the branch %j', (given) => {
    expect(problemsOf([`--git-branch=${given}`])).toEqual([
      `Expected a branch name of letters, digits and . _ / - (not starting with - or containing ..) for --git-branch but received ${JSON.stringify(given)}`,
    ]);
  });

  it('gives git only PATH, HOME and SSH_AUTH_SOCK from the environment', () => {
    const env = { PATH: '/usr/bin', HOME: '/home/app', SSH_AUTH_SOCK: '/run/agent', GIT_DIR: '/elsewhere', GOIMGSERVER_ADMIN_TOKENS: '' };
    expect(loadConfig([], env, CWD).gitEnv).toEqual({ PATH: '/usr/bin', HOME: '/home/app', SSH_AUTH_SOCK: '/run/agent' });
  });
});

describe('presets', () => {
  it('reads named presets in the URL grammar', () => {
    const config = loadConfig(['--presets', 'thumb: 200x200 cover webp q70; hero: 1600x900 cover attention avif q60'], {}, CWD);
    expect(config.presets.map((preset) => [preset.name, preset.spec.width, preset.spec.position])).toEqual([
      ['thumb', 200, 'center'],
      ['hero', 1600, 'attention'],
    ]);
    expect(formatSettings(config)).toContain('presets = thumb: 200x200 cover webp q70; hero: 1600x900 cover attention avif q60  # flag');
  });

  it.each(['thumb 200x200', 'thumb: 200x200 huge', 'a: 200; a: 300', '9lives: 200', 'thumb:'])('refuses the presets %j', (given) => {
    expect(problemsOf(['--presets', given])).toEqual([
      `Expected presets as "name: words; name: words" with unique names and words of the URL grammar, such as "thumb: 200x200 cover webp q70" for --presets but received ${JSON.stringify(given)}`,
    ]);
  });

  it('checks preset sizes against the dimension limits', () => {
    expect(problemsOf(['--presets', 'big: 5000x100', '--max-dimension', '4000'])).toEqual(['Expected the sizes of preset big within --min-dimension (10) and --max-dimension (4000)']);
  });

  it('refuses presets-only mode without presets, or with unsigned URLs it could not bound', () => {
    expect(problemsOf(['--presets-only'])).toEqual(['--presets-only needs --presets']);
    expect(problemsOf(['--presets-only', '--presets', 'a: 100', '--allow-unsigned'])).toEqual(['--presets-only cannot bound unsigned URLs: turn --allow-unsigned off']);
  });
});

describe('settings files (--config)', () => {
  const dir = tempDir();
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  // Where values came from differs by design, and the file cannot name itself or re-dump.
  const comparable = (config: ReturnType<typeof loadConfig>) =>
    Object.fromEntries(Object.entries(config).filter(([key]) => !['origins', 'dump', 'config'].includes(key)));

  it('reads back what --dump writes, every setting equal, secrets left to the environment', () => {
    const env = {
      GOIMGSERVER_SIGNING_SECRET: SECRET,
      GOIMGSERVER_ADMIN_TOKENS: 'ops:admin-token-0123456789abcdef',
      GOIMGSERVER_PRESETS: 'thumb: 200x200 cover webp q70; hero: 1600x900 cover attention avif q60',
      GOIMGSERVER_RATE_LIMIT_RENDERS: '30/10s',
    };
    const flags = ['--port', '8123', '--cors-origins', 'https://a.example,https://b.example', '--trusted-proxies', '10.0.0.0/8,127.0.0.1', '--rate-limit-image', 'off',
      '--public-url', 'https://img.example/base', '--cache-max-size', '10g', '--shutdown-timeout', '90', '--presets-only', 'false', '--log-level', 'warn', '--dump'];
    const first = loadConfig(flags, env, CWD);
    const file = write('settings.conf', formatSettings(first));
    const secretsOnly = { GOIMGSERVER_SIGNING_SECRET: SECRET, GOIMGSERVER_ADMIN_TOKENS: env.GOIMGSERVER_ADMIN_TOKENS };
    const again = loadConfig(['--config', file], secretsOnly, '/elsewhere');
    expect(comparable(again)).toEqual(comparable(first));
    expect(again.origins.port).toBe('config');
    expect(again.origins.signingSecret).toBe('environment');
    // The dump never holds a secret, so without the environment none comes back.
    expect(loadConfig(['--config', file], {}, CWD).adminTokens).toEqual([]);
  });

  it('never dumps again when started from a dump, so the file and its edits stay as they are', () => {
    const file = write('redump.conf', formatSettings(loadConfig(['--dump', '--port', '8124'], {}, CWD)));
    expect(readFileSync(file, 'utf8')).not.toMatch(/^dump =/m);
    const again = loadConfig(['--config', file], {}, CWD);
    expect([again.port, again.dump]).toEqual([8124, false]);
    // A dump of an earlier version said dump = true.
    expect(loadConfig(['--config', write('old-dump.conf', 'port = 8125\ndump = true  # flag\n')], {}, CWD)).toMatchObject({ port: 8125, dump: false });
    expect(loadConfig(['--config', file, '--dump'], {}, CWD).dump).toBe(true);
  });

  it('lets flags and variables win over the file, and the file over the defaults', () => {
    const file = write('layers.conf', '# mine\nport = 7000\nmax-batch = 50   # a comment\nmax-queue=9\n\n');
    const config = loadConfig(['--config', file, '--port', '7001'], { GOIMGSERVER_MAX_BATCH: '60' }, CWD);
    expect([config.port, config.maxBatch, config.maxQueue, config.maxDepth]).toEqual([7001, 60, 9, loadConfig([], {}, CWD).maxDepth]);
    expect(loadConfig([], { GOIMGSERVER_CONFIG: file }, CWD).port).toBe(7000);
  });

  it.each([
    ['nonsense line', 'Expected flag = value with a known setting in', 'line 1'],
    ['port = 80\nwidth = 3', 'Expected flag = value with a known setting in', 'line 2'],
    ['signing-secret = hunter2-hunter2-hunter2-hunter2-hunter2', 'signing-secret in', 'is a secret'],
    ['config = other.conf', 'Expected no config setting inside a settings file', 'line 1'],
    ['port = eighty', 'Expected an integer from 0 to 65535 for port (', 'line 1)'],
  ])('refuses %j, naming the line', (text, first, second) => {
    const file = write(`bad-${Math.random()}.conf`, text);
    const problems = problemsOf(['--config', file]).join('\n');
    expect(problems).toContain(first);
    expect(problems).toContain(second);
    expect(problems).not.toContain('hunter2');
  });

  it('names at most 20 malformed lines, and refuses a file over 1 MiB or a device unread', () => {
    const text = Array.from({ length: 500 }, (_, i) => `junk ${i}`).join('\n');
    const problems = problemsOf(['--config', write('junk.conf', text)]);
    expect(problems).toHaveLength(21);
    expect(problems[20]).toMatch(/^Expected flag = value lines in .*junk\.conf, but 480 more lines are not$/);
    const huge = write('huge.conf', `# ${'x'.repeat(1024 * 1024)}\n`);
    expect(problemsOf(['--config', huge])).toEqual([`Expected a settings file of at most 1 MiB for --config but received ${JSON.stringify(huge)} (${1024 * 1024 + 3} bytes)`]);
    expect(problemsOf(['--config', '/dev/zero'])).toEqual(['Expected a regular settings file for --config but received "/dev/zero"']);
  });

  it('refuses a file it cannot read, naming it', () => {
    expect(problemsOf(['--config', path.join(dir, 'missing.conf')])).toEqual([expect.stringMatching(/^Expected a readable settings file for --config but received ".*missing.conf" \(ENOENT\)$/)]);
  });
});

describe('the shutdown bound', () => {
  it('outlasts the render timeout by default, follows it, and takes a number of seconds', () => {
    expect(shutdownBoundMs(loadConfig([], {}, CWD))).toBe(45_000);
    expect(shutdownBoundMs(loadConfig(['--processing-timeout', '120'], {}, CWD))).toBe(135_000);
    expect(shutdownBoundMs(loadConfig(['--shutdown-timeout', '5'], {}, CWD))).toBe(5_000);
    expect(problemsOf(['--shutdown-timeout', 'soon'])).toEqual(['Expected auto or an integer from 1 to 86400 for --shutdown-timeout but received "soon"']);
  });
});

describe('settings file values that need quoting', () => {
  const dir = tempDir();
  it.each([
    ['/srv/img #1'],
    ['#first'],
    [' padded '],
    ['line\nbreak'],
    ['"quoted"'],
    ['plain/a#b'],
  ])('writes %j so that --config reads back exactly it', (imagesDir) => {
    const first = loadConfig(['--imagesdir', imagesDir, '--audit-file', imagesDir], {}, '/');
    const file = path.join(dir, `quoted-${Math.random()}.conf`);
    writeFileSync(file, formatSettings(first));
    const again = loadConfig(['--config', file], {}, '/');
    expect([again.imagesDir, again.auditFile]).toEqual([first.imagesDir, first.auditFile]);
  });

  it.each([['imagesdir = "unterminated'], ['imagesdir = "a" trailing'], ['imagesdir = "bad \\q escape"']])('refuses the malformed quoted value %j, naming the line', (text) => {
    const file = path.join(dir, `bad-quoted-${Math.random()}.conf`);
    writeFileSync(file, `# a comment\n${text}\n`);
    expect(problemsOf(['--config', file]).join('\n')).toContain('line 2');
  });
});
