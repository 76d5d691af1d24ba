import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
// s3rver ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => { run(): Promise<{ port: number }>; close(): Promise<void> };

// The server takes credentials from the AWS default chain only: the fake answers to any key.
// With no instance metadata, the chain never looks beyond the environment (no address off this machine).
process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
process.env.AWS_EC2_METADATA_DISABLED = 'true';

export interface FakeS3 {
  /** http://127.0.0.1:{port}, for --s3-endpoint. */
  endpoint: string;
  bucket: string;
  /** A client of the fake, for what a test puts, lists or deletes by hand. */
  client: S3Client;
  /** Every key in the bucket under `prefix`. */
  keys(prefix?: string): Promise<string[]>;
  put(key: string, body: Buffer): Promise<void>;
  /** Deletes every object, so the next test starts from an empty bucket. */
  empty(): Promise<void>;
  /** Stops the server; its port then refuses connections. */
  stop(): Promise<void>;
  /** Stops it and removes its files: for the test's afterAll. */
  close(): Promise<void>;
}

/** s3rver, a fake S3 server, in this process on a free loopback port with one bucket; the test closes it. */
export async function startFakeS3(bucket = 'derivatives'): Promise<FakeS3> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'goimgserver-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  let running = true;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });

  async function keys(prefix = ''): Promise<string[]> {
    const found: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      found.push(...(page.Contents ?? []).map((object) => object.Key as string));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found.sort();
  }

  async function stop(): Promise<void> {
    if (!running) return;
    running = false;
    await server.close();
  }

  return {
    endpoint,
    bucket,
    client,
    keys,
    put: async (key, body) => {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    empty: async () => {
      const all = await keys();
      if (all.length > 0) await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: all.map((Key) => ({ Key })) } }));
    },
    stop,
    close: async () => {
      client.destroy();
      await stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** A loopback port that accepts connections and never answers: a store behind it only times out. */
export async function silentPort(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port where nothing listens: connections are refused at once. */
export async function closedPort(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
