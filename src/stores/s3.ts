import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type _Object,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { CONTENT_TYPES } from '../images/formats';
import type { Freed } from '../images/derivative-cache';
import { formatOf, isStorable, isStorablePath } from '../images/derivative-names';
import { DamagedDerivativeError, type DerivativeStore } from '../images/derivative-store';

export interface S3StoreOptions {
  bucket: string;
  /** Put before every key: empty, or ending in `/`. */
  prefix: string;
  /** An S3-compatible server's URL (MinIO, say); empty: AWS S3 of the region. */
  endpoint?: string;
  /** Empty: from the AWS environment (AWS_REGION) or configuration files. */
  region?: string;
  /** Bucket in the path (`{endpoint}/{bucket}/{key}`) rather than in the host name, as most S3-compatible servers need. */
  forcePathStyle: boolean;
  /** Milliseconds one request may take, its retry and its answer's body included. */
  timeoutMs: number;
  /** Largest object read: no derivative is larger, so a larger one is damaged and is never held whole in memory. */
  maxObjectBytes: number;
}

// The time of the last clear of everything, under the prefix: objects written before it are cleared.
const MARKER = '.cleared';
// The most keys one DeleteObjects request takes.
const DELETE_BATCH = 1000;

// Written with each object and checked on each read: bytes that are not what one PUT wrote are never served.
const digestOf = (data: Buffer) => createHash('sha256').update(data).digest('base64url');

const missing = (error: unknown) => {
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return name === 'NoSuchKey' || name === 'NotFound' || $metadata?.httpStatusCode === 404;
};

/**
 * Derivatives as objects of an S3-compatible bucket, keyed `{prefix}{requested path}/{key}.{ending}`.
 * Credentials come from the AWS SDK's default provider chain (the standard environment
 * variables, profiles, instance roles), never from a setting. Each write is one PUT of the
 * whole buffer, so an object is never partial; each read checks that it got as many bytes as
 * the object has. Every request, its body included, ends within `timeoutMs`, or fails. A
 * clear of everything writes its time under the prefix (`.cleared`): objects written before
 * it are misses from then on, on every replica that has read the time, and are deleted in the
 * background. Nothing is walked at start-up and nothing bounds the bucket: its lifecycle
 * rules expire what is not wanted.
 */
/** An object's bytes, read only up to `limit`: past it (as told, or as sent) the object is damaged. */
async function bodyOf(answer: { Body?: unknown; ContentLength?: number | undefined }, limit: number, key: string): Promise<Buffer> {
  const body = answer.Body as (AsyncIterable<Uint8Array> & { destroy?(): void }) | undefined;
  if (!body) return Buffer.alloc(0);
  const tooLarge = () => new DamagedDerivativeError(`${key} is larger than any derivative (${limit} bytes).`);
  if (answer.ContentLength !== undefined && answer.ContentLength > limit) {
    body.destroy?.();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Leaving the loop early (by the throw) ends the stream.
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

export function createS3Store(options: S3StoreOptions): DerivativeStore {
  const { bucket, prefix, timeoutMs } = options;
  const client = new S3Client({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.region ? { region: options.region } : {}),
    forcePathStyle: options.forcePathStyle,
    maxAttempts: 2,
    // S3-compatible servers do not all know the newer checksums; whole-object PUTs need none.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs },
  });
  const markerKey = `${prefix}${MARKER}`;
  let clearedAt = -Infinity;
  // Keys this replica wrote while a clear's deletion runs: listed before their write, they are not deleted after it.
  const writtenSinceClear = new Set<string>();
  let deletions = 0;

  /** Runs one request, the reading of its answer included, within the timeout: late, it fails. */
  async function within<T>(request: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const late = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(new Error(`The bucket did not answer within ${timeoutMs} ms.`)), { once: true });
    });
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      return await Promise.race([request(controller.signal), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  const keyOf = (requestPath: string, name: string) => `${prefix}${requestPath}/${name}`;
  /** When an object was written: by a replica's clock (its metadata), else the bucket's. */
  const writtenAt = (answer: { Metadata?: Record<string, string>; LastModified?: Date }) => Number(answer.Metadata?.written ?? answer.LastModified?.getTime() ?? 0);

  async function readMarker(): Promise<number> {
    try {
      return await within(async (abortSignal) => {
        const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: markerKey }), { abortSignal });
        return Number(await answer.Body?.transformToString()) || -Infinity;
      });
    } catch (error) {
      if (missing(error)) return -Infinity;
      throw error;
    }
  }

  /** The objects under `under`, a page at a time; with `directOnly`, not those below a further `/`. */
  async function* pages(under: string, directOnly: boolean): AsyncGenerator<_Object[]> {
    let token: string | undefined;
    // A server that hands out a token it gave before would keep a clear listing for ever.
    const seen = new Set<string>();
    do {
      const page = await within((abortSignal) =>
        client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: under, ContinuationToken: token, ...(directOnly ? { Delimiter: '/' } : {}) }), { abortSignal }),
      );
      yield page.Contents ?? [];
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (page.IsTruncated && (token === undefined || seen.has(token))) throw new Error(`The bucket's listing of ${under} does not end: a page is truncated without a new continuation token.`);
      if (token !== undefined) seen.add(token);
    } while (token);
  }

  /** Deletes objects, a thousand a request; what was deleted (a key the bucket refused is not counted). */
  async function deleteObjects(objects: readonly _Object[]): Promise<Freed> {
    const freed = { files: 0, bytes: 0 };
    for (let at = 0; at < objects.length; at += DELETE_BATCH) {
      const batch = objects.slice(at, at + DELETE_BATCH);
      const answer = await within((abortSignal) =>
        client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map(({ Key }) => ({ Key })), Quiet: true } }), { abortSignal }),
      );
      const refused = new Set((answer.Errors ?? []).map((error) => error.Key));
      for (const object of batch) {
        if (refused.has(object.Key)) continue;
        freed.files++;
        freed.bytes += object.Size ?? 0;
      }
    }
    return freed;
  }

  /** A derivative's key below the prefix split into requested path and name, or null for any other object. */
  function derivativeOf(key: string): { requestPath: string; name: string } | null {
    const rest = key.slice(prefix.length);
    const slash = rest.lastIndexOf('/');
    const [requestPath, name] = [rest.slice(0, slash), rest.slice(slash + 1)];
    return key.startsWith(prefix) && slash > 0 && isStorable(requestPath, name) ? { requestPath, name } : null;
  }

  /**
   * Deletes the derivatives written up to `at`, page by page. The bucket lists times in whole
   * seconds: an object of the clear's own second is deleted only if its metadata says it was
   * written before the clear, so one written again just after it stays.
   */
  async function deleteClearedBy(at: number): Promise<Freed> {
    const freed = { files: 0, bytes: 0 };
    const second = Math.floor(at / 1000) * 1000;
    for await (const page of pages(prefix, false)) {
      const doomed: _Object[] = [];
      for (const object of page) {
        const modified = object.LastModified?.getTime() ?? Infinity;
        if (!object.Key || !derivativeOf(object.Key) || modified >= second + 1000 || writtenSinceClear.has(object.Key)) continue;
        if (modified < second) doomed.push(object);
        else if ((await headWritten(object.Key)) <= at) doomed.push(object);
      }
      // Looked at again: a write may have started while the page was sorted.
      const deleted = await deleteObjects(doomed.filter((object) => !writtenSinceClear.has(object.Key as string)));
      freed.files += deleted.files;
      freed.bytes += deleted.bytes;
    }
    return freed;
  }

  /** When an object was written; Infinity when it is gone. */
  async function headWritten(key: string): Promise<number> {
    try {
      return writtenAt(await within((abortSignal) => client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal })));
    } catch (error) {
      if (missing(error)) return Infinity;
      throw error;
    }
  }

  return {
    where: `s3://${bucket}/${prefix}`,

    async open() {
      // A missing region is a setting to fix, told at start-up rather than at the first request.
      await client.config.region().catch(() => {
        throw new Error('No AWS region for the derivative bucket: set --s3-region, or AWS_REGION in the environment.');
      });
      try {
        clearedAt = await readMarker();
        await within((abortSignal) => client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal }));
        return { writable: true };
      } catch {
        return { writable: false };
      }
    },

    // Every write is one PUT: nothing is left half-written to sweep.
    sweep: async () => ({ removedTemporary: 0 }),

    async read(requestPath, name) {
      if (!isStorable(requestPath, name)) return null;
      try {
        return await within(async (abortSignal) => {
          const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: keyOf(requestPath, name) }), { abortSignal });
          const data = await bodyOf(answer, options.maxObjectBytes, `${requestPath}/${name}`);
          if (answer.ContentLength !== undefined && data.length !== answer.ContentLength) {
            throw new Error(`Short read from the bucket: ${data.length} of ${answer.ContentLength} bytes.`);
          }
          if (writtenAt(answer) <= clearedAt) return null;
          // Every write stores the digest: an object without it was put there by something else.
          if (answer.Metadata?.digest !== digestOf(data)) throw new DamagedDerivativeError(`${requestPath}/${name} is not the object one write stored.`);
          return data;
        });
      } catch (error) {
        if (missing(error)) return null;
        throw error;
      }
    },

    async has(requestPath, name) {
      if (!isStorable(requestPath, name)) return false;
      const written = await headWritten(keyOf(requestPath, name));
      return written !== Infinity && written > clearedAt;
    },

    async write(requestPath, name, data) {
      if (!isStorable(requestPath, name)) throw new Error(`${requestPath}/${name} names no derivative; nothing is written.`);
      const contentType = CONTENT_TYPES[formatOf(name) ?? 'webp'];
      if (deletions > 0) writtenSinceClear.add(keyOf(requestPath, name));
      await within((abortSignal) =>
        client.send(
          new PutObjectCommand({ Bucket: bucket, Key: keyOf(requestPath, name), Body: data, ContentLength: data.length, ContentType: contentType, Metadata: { written: String(Date.now()), digest: digestOf(data) } }),
          { abortSignal },
        ),
      );
    },

    async remove(requestPath, name) {
      if (!isStorable(requestPath, name)) return;
      await within((abortSignal) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keyOf(requestPath, name) }), { abortSignal }));
    },

    async clearPaths(requestPaths) {
      const freed = { files: 0, bytes: 0 };
      for (const requestPath of new Set(requestPaths)) {
        if (!isStorablePath(requestPath)) continue;
        // Only the objects directly under the path: a group's members are other images.
        for await (const page of pages(`${prefix}${requestPath}/`, true)) {
          const deleted = await deleteObjects(page.filter((object) => object.Key !== undefined && derivativeOf(object.Key)?.requestPath === requestPath));
          freed.files += deleted.files;
          freed.bytes += deleted.bytes;
        }
      }
      return freed;
    },

    async clearAll() {
      const at = Date.now();
      await within((abortSignal) => client.send(new PutObjectCommand({ Bucket: bucket, Key: markerKey, Body: String(at), ContentType: 'text/plain' }), { abortSignal }));
      clearedAt = Math.max(clearedAt, at);
      deletions++;
      const deleted = deleteClearedBy(at);
      const done = () => {
        if (--deletions === 0) writtenSinceClear.clear();
      };
      deleted.then(done, done);
      return { deleted };
    },

    async refresh() {
      clearedAt = Math.max(clearedAt, await readMarker());
    },

    async close() {
      client.destroy();
      return { removedTemporary: 0 };
    },
  };
}
