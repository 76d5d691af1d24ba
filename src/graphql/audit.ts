import { appendFile } from 'node:fs/promises';
import type { FastifyBaseLogger } from 'fastify';
import { toAppError } from '../errors';

export interface AuditEntry {
  admin: string;
  action: string;
  args: Record<string, unknown>;
  outcome: 'ok' | 'error';
  code?: string;
  ms: number;
}

/**
 * Records administrative actions: one `admin action` log line each (admin name, action,
 * arguments, outcome, duration; never a token), and optionally a JSON line in a file.
 */
export function createAuditor(options: { file: string }) {
  async function record(log: FastifyBaseLogger, entry: AuditEntry): Promise<void> {
    log.info({ audit: entry }, 'admin action');
    if (!options.file) return;
    const line = `${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`;
    await appendFile(options.file, line).catch((error: unknown) => log.error({ err: error }, 'audit file not written'));
  }

  /** Runs an administrative action and records how it went. */
  return async function audited<T>(log: FastifyBaseLogger, admin: string, action: string, args: Record<string, unknown>, run: () => Promise<T>): Promise<T> {
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
  };
}

export type Audited = ReturnType<typeof createAuditor>;
