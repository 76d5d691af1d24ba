import path from 'node:path';
import fc from 'fast-check';
import { ConfigError, loadConfig } from '../../src/config/load';
import { SETTINGS, envName } from '../../src/config/settings';
import { spawnServer } from '../helpers/server';
import { tempDir } from '../helpers/temp';

const flags = SETTINGS.filter((def) => !def.secret).map((def) => def.flag);
const value = fc.oneof(
  fc.constantFrom('', ' ', '0', '-1', 'true', 'false', 'off', '600/1m', '0/0s', '1e9', '99999999999999999999', 'NaN', '10g', '-', '--port', '../..', '/', 'é', 'ext::sh -c touch%20x', 'file:///etc', 'a;b', '$(id)'),
  fc.string({ maxLength: 40 }),
  fc.integer().map(String),
);
const argument = fc.oneof(
  fc.tuple(fc.constantFrom(...flags), value).map(([flag, given]) => [`--${flag}`, given]),
  fc.tuple(fc.constantFrom(...flags), value).map(([flag, given]) => [`--${flag}=${given}`]),
  fc.constantFrom(...flags).map((flag) => [`--${flag}`]),
  fc.string({ maxLength: 20 }).map((junk) => [junk]),
);

describe('generated command lines and environments', () => {
  it('either load or fail with a ConfigError whose every problem is one line naming a setting', () => {
    fc.assert(
      fc.property(fc.array(argument, { maxLength: 6 }), fc.dictionary(fc.constantFrom(...SETTINGS.map(envName), 'NODE_ENV'), value, { maxKeys: 4 }), (args, env) => {
        try {
          loadConfig(args.flat(), env, '/srv/app');
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          for (const problem of (error as ConfigError).problems) {
            expect(problem).not.toContain('\n');
            expect(problem).toMatch(/--[a-z-]+|GOIMGSERVER_[A-Z_]+|flag/);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('never echo a secret, even a malformed one', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 31 }).filter((text) => text.trim().length > 4), (secret) => {
        try {
          loadConfig([], { GOIMGSERVER_SIGNING_SECRET: secret, GOIMGSERVER_ADMIN_TOKENS: secret }, '/srv/app');
        } catch (error) {
          expect(String((error as Error).message)).not.toContain(secret);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('the server refuses a bad start in one line', () => {
  const root = tempDir();
  it.each([
    [['--port', '70000'], /exited early: goimgserver: Invalid configuration:\n {2}- Expected an integer from 0 to 65535 for --port/],
    [['--max-cost', '50'], /Expected --max-cost \(50\) to be at least --max-batch \(100\)/],
    [['--imagesdir', path.join(root, 'nowhere')], /exited early: goimgserver: The images directory .* does not exist/],
    [['--trusted-proxies', '10.0.0.0/99'], /Expected comma-separated IP addresses or CIDR ranges .* for --trusted-proxies/],
    [['--trusted-proxies', '999.1.1.1'], /for --trusted-proxies/],
    [['--host', '203.0.113.7'], /\ngoimgserver: 203\.0\.113\.7 is not an address of this machine; set --host/],
    [['--audit-file', path.join(root, 'no-such-folder', 'audit.jsonl')], /exited early: goimgserver: The audit file .* cannot be appended to \(ENOENT\); fix its folder or --audit-file/],
  ])('%j', async (args, expected) => {
    const attempt = spawnServer(['--imagesdir', path.join(__dirname, '../../images'), '--cachedir', path.join(root, 'cache'), '--precache', 'false', ...(args as string[])], {}, root);
    await expect(attempt).rejects.toThrow(expected);
    await attempt.catch((error: Error) => expect(error.message).not.toMatch(/\n\s+at /));
  });

  it('names --port when the port is in use', async () => {
    const first = await spawnServer(['--imagesdir', path.join(__dirname, '../../images'), '--cachedir', path.join(root, 'cache'), '--precache', 'false'], {}, root);
    try {
      const port = new URL(first.address).port;
      const second = spawnServer(['--imagesdir', path.join(__dirname, '../../images'), '--cachedir', path.join(root, 'cache'), '--precache', 'false', '--port', port], {}, root);
      await expect(second).rejects.toThrow(new RegExp(`\\ngoimgserver: Port ${port} on 127\\.0\\.0\\.1 is already in use; choose another with --port\\.\\n$`));
    } finally {
      await first.stop();
    }
  });
});
