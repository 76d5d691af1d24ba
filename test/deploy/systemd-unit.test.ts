import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, shutdownBoundMs } from '../../src/config/load';
import { cloneStagingDir } from '../../src/git/clone';
import { tempDir } from '../helpers/temp';

const UNIT = path.resolve(__dirname, '../../deploy/goimgserver.service');
const text = readFileSync(UNIT, 'utf8');

/** Every `Key=value` of the unit's [Service] section, in order (keys may repeat). */
function serviceEntries(): Array<[string, string]> {
  const section = /^\[Service\]$([\s\S]*?)(?=^\[)/m.exec(text)?.[1] ?? '';
  return section
    .split('\n')
    .filter((line) => /^[A-Za-z]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
}

const entries = serviceEntries();
const values = (key: string) => entries.filter(([name]) => name === key).map(([, value]) => value);
const value = (key: string) => values(key).at(-1);

function analyze(...args: string[]) {
  const run = spawnSync('systemd-analyze', args, { encoding: 'utf8' });
  return { status: run.status, output: run.stdout + run.stderr };
}

describe('deploy/goimgserver.service', () => {
  const root = tempDir();

  it('passes systemd-analyze verify without a warning', () => {
    // verify checks that ExecStart's program exists. The unit names /usr/bin/node, where
    // Debian's and NodeSource's packages put it; the copy names the node running this test
    // (the same file on such a machine) and is otherwise the shipped unit.
    const shipped = 'ExecStart=/usr/bin/node ';
    expect(text.split(shipped)).toHaveLength(2);
    const copy = path.join(root, 'goimgserver.service');
    writeFileSync(copy, text.replace(shipped, `ExecStart=${process.execPath} `));
    expect(analyze('verify', copy)).toEqual({ status: 0, output: '' });
  });

  it('scores OK or better (an exposure of 3.0 at most) in systemd-analyze security', () => {
    const { status, output } = analyze('security', '--offline=true', '--no-pager', UNIT);
    expect(status).toBe(0);
    const level = /Overall exposure level for goimgserver\.service: (\d+\.\d+) (\w+)/.exec(output);
    expect(level).not.toBeNull();
    expect(Number(level![1])).toBeLessThanOrEqual(3.0);
    expect(['OK', 'SAFE']).toContain(level![2]);
  });

  it("leaves MemoryDenyWriteExecute off, as V8's compiler makes the code it writes executable", () => {
    expect(values('MemoryDenyWriteExecute')).toEqual([]);
  });

  it('lets the server write every path it writes, and only those (read from the unit: running its sandbox needs systemd as the service manager)', () => {
    expect(value('ProtectSystem')).toBe('strict');
    expect(value('ProtectHome')).toBe('true');
    const writable = [
      ...values('ReadWritePaths').flatMap((list) => list.split(/\s+/)),
      ...values('StateDirectory').map((name) => `/var/lib/${name}`),
      ...values('CacheDirectory').map((name) => `/var/cache/${name}`),
      ...values('LogsDirectory').map((name) => `/var/log/${name}`),
      ...(value('PrivateTmp') === 'true' ? ['/tmp', '/var/tmp'] : []),
    ];
    const inside = (dir: string) => (file: string) => file === dir || file.startsWith(`${dir}/`);

    // The server's own reading of the unit's environment, from its working directory.
    const env = Object.fromEntries(values('Environment').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
    const workingDirectory = value('WorkingDirectory') ?? '/';
    const config = loadConfig([], { ...env, GOIMGSERVER_SIGNING_SECRET: 'a secret from the EnvironmentFile, 32+ characters' }, workingDirectory);
    const written = {
      images: config.imagesDir,
      'the clone staged by --git-url': cloneStagingDir(config.imagesDir),
      cache: config.cacheDir,
      "--dump's settings.conf": path.join(workingDirectory, 'settings.conf'),
      ...(config.auditFile ? { '--audit-file': config.auditFile } : {}),
    };
    expect(Object.entries(written).filter(([, file]) => !writable.some((dir) => inside(dir)(file)))).toEqual([]);
    // Nothing else is writable (beyond the private /tmp).
    expect(writable.filter((dir) => !dir.endsWith('tmp') && !Object.values(written).some(inside(dir)))).toEqual([]);
  });

  it("waits longer for a stop than the server's own shutdown bound, so renders in flight finish", () => {
    const env = Object.fromEntries(values('Environment').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
    const config = loadConfig([], { ...env, GOIMGSERVER_SIGNING_SECRET: 'a secret from the EnvironmentFile, 32+ characters' }, '/');
    expect(Number(value('TimeoutStopSec')) * 1000).toBeGreaterThan(shutdownBoundMs(config));
    expect(shutdownBoundMs(config)).toBeGreaterThan(config.processingTimeout * 1000);
  });
});
