import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createLineWriter } from '../../src/fs/line-writer';
import { tempDir } from '../helpers/temp';

const root = tempDir();
const opened: number[] = [];
afterAll(() => opened.forEach((fd) => fs.closeSync(fd)));
const endOfTurn = () => new Promise((resolve) => setImmediate(resolve));
const lines = (count: number, prefix = 'line') => Array.from({ length: count }, (_, index) => `{"msg":"${prefix} ${index}","pad":"${'x'.repeat(200)}"}\n`);

function openFile(name: string): { fd: number; read(): string } {
  const file = path.join(root, name);
  const fd = fs.openSync(file, 'a');
  opened.push(fd);
  return { fd, read: () => fs.readFileSync(file, 'utf8') };
}

/** A real named pipe whose ends are both non-blocking: writing more than it holds fails with EAGAIN. */
function openFifo(name: string): { reader: number; writer: number } {
  const file = path.join(root, name);
  execFileSync('mkfifo', [file]);
  const reader = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const writer = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  opened.push(writer);
  return { reader, writer };
}

function readAvailable(fd: number): string {
  const chunk = Buffer.alloc(64 * 1024);
  let text = '';
  for (;;) {
    try {
      const count = fs.readSync(fd, chunk);
      if (count === 0) return text;
      text += chunk.toString('utf8', 0, count);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return text;
      throw error;
    }
  }
}

describe('the log line writer', () => {
  it('writes the lines of a turn of the event loop when the turn ends, in order', async () => {
    const file = openFile('turn.log');
    const writer = createLineWriter(file.fd);
    const written = lines(3);
    written.forEach((line) => writer.write(line));
    expect(file.read()).toBe('');
    await endOfTurn();
    expect(file.read()).toBe(written.join(''));
  });

  it('writes at once when one turn logs more than 64 KiB', () => {
    const file = openFile('burst.log');
    const writer = createLineWriter(file.fd);
    const written = lines(400);
    written.forEach((line) => writer.write(line));
    expect(file.read().length).toBeGreaterThanOrEqual(64 * 1024);
    expect(written.join('').startsWith(file.read())).toBe(true);
  });

  it('writes what is pending on flushSync, without waiting for the turn to end', () => {
    const file = openFile('flush.log');
    const writer = createLineWriter(file.fd);
    writer.write('{"msg":"stopped"}\n');
    writer.flushSync();
    expect(file.read()).toBe('{"msg":"stopped"}\n');
  });

  it('keeps what a full non-blocking pipe did not take and writes it, in order, once the pipe is read', async () => {
    const { reader, writer: fd } = openFifo('full.fifo');
    const writer = createLineWriter(fd);
    const written = lines(1000);
    written.forEach((line) => writer.write(line));
    await endOfTurn();

    let received = readAvailable(reader);
    // The pipe holds less than the 200 KB written: the rest waits in the writer.
    expect(received.length).toBeLessThan(written.join('').length);
    const deadline = Date.now() + 5000;
    while (received.length < written.join('').length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      received += readAvailable(reader);
    }
    expect(received).toBe(written.join(''));
    fs.closeSync(reader);
  });

  it('drops the lines, without throwing, when nobody reads the pipe any more', async () => {
    const { reader, writer: fd } = openFifo('gone.fifo');
    fs.closeSync(reader);
    const writer = createLineWriter(fd);
    writer.write('{"msg":"lost"}\n');
    expect(() => writer.flushSync()).not.toThrow();
    // A line scheduled for the end of the turn does not throw there either (it would fail this test).
    writer.write('{"msg":"lost too"}\n');
    await endOfTurn();
  });
});
