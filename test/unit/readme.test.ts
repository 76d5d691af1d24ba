import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SETTINGS, envName } from '../../src/config/settings';
import { ERROR_STATUS } from '../../src/errors';

const ROOT = path.resolve(__dirname, '../..');
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

describe('the README', () => {
  it('lists every setting with its variable, default and meaning, and nothing else', () => {
    // Flags and variables as the loader spells them: letters, digits and dashes (--s3-bucket).
    const rows = [...readme.matchAll(/^\| (?:`--([a-z][a-z0-9-]*)`|—) \| `(GOIMGSERVER_[A-Z0-9_]+)`(?: or `GOIMGSERVER_[A-Z0-9_]+_FILE`)? \| (`[^`]*`|unset) \| (.+) \|$/gm)].map((m) => m.slice(1, 5));
    expect(rows).toEqual(
      SETTINGS.map((def) => [def.secret ? undefined : def.flag, envName(def), def.default === '' ? 'unset' : `\`${def.default}\``, def.doc]),
    );
  });

  it('has a layout row for every folder of src/ and test/', () => {
    const rows = new Set([...readme.matchAll(/^\| `([^`]+\/)` \|/gm)].map((m) => m[1]));
    const folders = ['src', 'test'].flatMap((top) =>
      readdirSync(path.join(ROOT, top), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => `${top}/${entry.name}/`),
    );
    expect(folders.filter((folder) => !rows.has(folder))).toEqual([]);
  });

  it('lists every error code with its HTTP status', () => {
    const rows = [...readme.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(rows).toEqual(Object.entries(ERROR_STATUS));
  });
});
