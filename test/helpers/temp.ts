import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh folder under the system temp dir, removed after the current test file. */
export function tempDir(prefix = 'goimgserver-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  // A server the test started may still be finishing a write in it (its own hooks run after this one): retried briefly.
  afterAll(() => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }));
  return dir;
}
