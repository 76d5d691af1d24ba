import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SETTINGS, envName } from '../../src/config/settings';
import { ERROR_STATUS } from '../../src/errors';

const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');

describe('the README', () => {
  it('lists every setting with its variable, default and meaning, and nothing else', () => {
    const rows = [...readme.matchAll(/^\| (?:`--([a-z-]+)`|—) \| `(GOIMGSERVER_[A-Z_]+)`(?: or `GOIMGSERVER_[A-Z_]+_FILE`)? \| (`[^`]*`|unset) \| (.+) \|$/gm)].map((m) => m.slice(1, 5));
    expect(rows).toEqual(
      SETTINGS.map((def) => [def.secret ? undefined : def.flag, envName(def), def.default === '' ? 'unset' : `\`${def.default}\``, def.doc]),
    );
  });

  it('lists every error code with its HTTP status', () => {
    const rows = [...readme.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(rows).toEqual(Object.entries(ERROR_STATUS));
  });
});
