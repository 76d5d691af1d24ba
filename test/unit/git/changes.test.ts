import { parseNameStatus } from '../../../src/git/changes';

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
