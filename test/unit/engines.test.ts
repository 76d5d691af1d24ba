import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import semver from 'semver';

const ROOT = path.resolve(__dirname, '../..');
const json = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8'));

describe('supported Node versions', () => {
  it('declares a Node range inside what every installed dependency declares, so npm has no engine to warn about', () => {
    const ours: string = json('package.json').engines.node;
    const lock = json('package-lock.json') as { packages: Record<string, { engines?: { node?: string } | string[]; os?: string[]; cpu?: string[] }> };
    // Platform packages for other systems (sharp's prebuilt binaries) are never installed here.
    const installable = (entry: { os?: string[]; cpu?: string[] }) => (entry.os ?? [process.platform]).includes(process.platform) && (entry.cpu ?? [process.arch]).includes(process.arch);
    const narrower = Object.entries(lock.packages)
      .filter(([name, entry]) => name !== '' && installable(entry))
      .flatMap(([name, entry]) => {
        const theirs = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
        return theirs && semver.validRange(theirs) && !semver.subset(ours, theirs) ? [`${name.replace(/^.*node_modules\//, '')} needs ${theirs}`] : [];
      });
    expect(narrower).toEqual([]);
    expect(semver.subset(ours, '>=22')).toBe(true);
  });

  it('installs a tree with no missing, extraneous or conflicting (peer) dependency', async () => {
    const { stdout } = await promisify(execFile)('npm', ['ls', '--all', '--json'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }).catch((error: { stdout: string }) => error);
    expect((JSON.parse(stdout) as { problems?: string[] }).problems ?? []).toEqual([]);
  });
});
