import { parseNameStatus, parseSymlinks, spelledThroughLinks } from '../../../src/git/changes';

describe('reading git diff --name-status -z', () => {
  it('reads additions, modifications and deletions', () => {
    expect(parseNameStatus('A\0new.jpg\0M\0cats/default.jpg\0D\0old photo.png\0')).toEqual([
      { path: 'new.jpg', change: 'ADDED' },
      { path: 'cats/default.jpg', change: 'MODIFIED' },
      { path: 'old photo.png', change: 'DELETED' },
    ]);
  });

  it('counts a type change (a file that became a symlink) as a modification', () => {
    expect(parseNameStatus('T\0logo.png\0')).toEqual([{ path: 'logo.png', change: 'MODIFIED' }]);
  });

  it('keeps names with newlines, tabs and non-ASCII characters as they are', () => {
    expect(parseNameStatus('A\0line\nbreak.jpg\0A\0tab\there.jpg\0A\0café/crème.jpg\0')).toEqual([
      { path: 'line\nbreak.jpg', change: 'ADDED' },
      { path: 'tab\there.jpg', change: 'ADDED' },
      { path: 'café/crème.jpg', change: 'ADDED' },
    ]);
  });

  it('reads nothing from an empty diff', () => {
    expect(parseNameStatus('')).toEqual([]);
  });
});

describe('reading git ls-files --stage -z for symbolic links', () => {
  it('keeps the entries of mode 120000, names with tabs and newlines as they are', () => {
    const listing = [
      '100644 0123456789abcdef0123456789abcdef01234567 0\tcats/white.jpg',
      '120000 89abcdef0123456789abcdef0123456789abcdef 0\tgallery',
      '120000 fedcba9876543210fedcba9876543210fedcba98 0\talias\twith tab.jpg',
      '160000 00112233445566778899aabbccddeeff00112233 0\tvendored',
      '',
    ].join('\0');
    expect(parseSymlinks(listing)).toEqual(['gallery', 'alias\twith tab.jpg']);
  });
});

describe('changed paths as requests spell them through links', () => {
  const links = new Map([
    ['gallery', 'cats'],
    ['alias.jpg', 'landscape.jpg'],
    ['deep/link', 'cats/big'],
  ]);

  it.each([
    ['cats/lion.jpg', ['cats/lion.jpg', 'gallery/lion.jpg']],
    ['cats/big/a.jpg', ['cats/big/a.jpg', 'gallery/big/a.jpg', 'deep/link/a.jpg']],
    ['landscape.jpg', ['landscape.jpg', 'alias.jpg']],
    ['catsup/x.jpg', ['catsup/x.jpg']],
    ['cats', ['cats', 'gallery']],
  ])('spells %s also as %j', (changed, spelled) => {
    expect([...spelledThroughLinks([changed], links)].sort()).toEqual([...spelled].sort());
  });
});
