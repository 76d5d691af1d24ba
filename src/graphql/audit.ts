import { appendFile } from 'node:fs/promises';
import type { Log } from '../log';
import { toAppError } from '../errors';

export interface AuditEntry {
  /** The administrator's name; null for a refused attempt, whose caller is not known to be one. */
  admin: string | null;
  /** Whom the attempt counted against (the client address for a refused one). */
  client?: string;
  action: string;
  args: Record<string, unknown>;
  outcome: 'ok' | 'error' | 'refused';
  code?: string;
  ms: number;
}

/**
 * Records administrative actions: one `admin action` log line each (admin name, action,
 * arguments, outcome, duration; never a token), and optionally a JSON line in a file.
 */
export function createAuditor(options: { file: string }) {
  async function record(log: Log, entry: AuditEntry): Promise<void> {
    log.info({ audit: entry }, 'admin action');
    if (!options.file) return;
    const line = `${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`;
    await appendFile(options.file, line).catch((error: unknown) => log.error({ err: error }, 'audit file not written'));
  }

  /** Runs an administrative action and records how it went. */
  async function audited<T>(log: Log, admin: string, action: string, args: Record<string, unknown>, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const ms = () => Math.round((performance.now() - started) * 10) / 10;
    try {
      const result = await run();
      await record(log, { admin, action, args, outcome: 'ok', ms: ms() });
      return result;
    } catch (error) {
      await record(log, { admin, action, args, outcome: 'error', code: toAppError(error).code, ms: ms() });
      throw error;
    }
  }

  /** Records an administrative field refused before it ran (no token, a wrong one, or over the budget). */
  function refused(log: Log, client: string, action: string, code: string): void {
    void record(log, { admin: null, client, action, args: {}, outcome: 'refused', code, ms: 0 });
  }

  return { audited, refused };
}

export type Auditor = ReturnType<typeof createAuditor>;
