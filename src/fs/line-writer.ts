import fs from 'node:fs';

// A burst larger than this is written at once rather than at the end of the turn.
const MAX_PENDING_CHARS = 64 * 1024;
// How long to wait before writing again to a non-blocking descriptor that was full.
const RETRY_MS = 10;

/**
 * A destination for log lines (pino's `write(line)`) that writes the lines of one turn of the
 * event loop to `fd` in a single call. pino's destinations cost about a fifth of a request
 * answered from memory under load: a write system call per line when synchronous, or, when
 * asynchronous (the default), a new measure of everything buffered on every line. Lines keep
 * their order; `flushSync` writes what is pending (on exit). When the reader is gone (EPIPE)
 * lines are dropped rather than failing requests; a full non-blocking descriptor (EAGAIN) is
 * written again shortly.
 */
export function createLineWriter(fd: number) {
  let pending: string[] = [];
  let pendingChars = 0;
  // Bytes a full descriptor did not take yet; they go before any newer line.
  let unwritten: Buffer | null = null;
  let writeScheduled = false;
  let blocked = false;

  /** Writes what is pending; returns false when the descriptor was full. */
  function writePending(): boolean {
    if (pending.length === 0 && !unwritten) return true;
    const lines = Buffer.from(pending.join(''));
    const data = unwritten ? Buffer.concat([unwritten, lines]) : lines;
    pending = [];
    pendingChars = 0;
    unwritten = null;
    let offset = 0;
    try {
      while (offset < data.length) offset += fs.writeSync(fd, data, offset);
    } catch (error) {
      // Nobody reads any more (EPIPE, a closed descriptor): the lines cannot be kept anywhere.
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return true;
      unwritten = data.subarray(offset);
      return false;
    }
    return true;
  }

  function flush(): void {
    if (writePending()) return;
    blocked = true;
    setTimeout(() => {
      blocked = false;
      flush();
    }, RETRY_MS).unref();
  }

  return {
    write(line: string): void {
      pending.push(line);
      pendingChars += line.length;
      if (blocked) return;
      if (pendingChars >= MAX_PENDING_CHARS) flush();
      else if (!writeScheduled) {
        writeScheduled = true;
        setImmediate(() => {
          writeScheduled = false;
          if (!blocked) flush();
        });
      }
    },
    /** Writes what is pending now, as far as the descriptor takes it. */
    flushSync: (): void => void writePending(),
  };
}
