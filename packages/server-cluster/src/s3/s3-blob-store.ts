/**
 * BlobStore on S3 (MinIO in practice; any S3 server with path-style access). Keys are
 * `<prefix>blobs/<sha256>`. A stream is hashed while it is uploaded to a temporary key
 * (`<prefix>tmp/<random>`, multipart through `@aws-sdk/lib-storage` once it exceeds one part,
 * so memory stays bounded by `partSize × queueSize`), then copied server-side under its hash
 * and the temporary object removed. An S3 object appears whole or not at all, so a blob is
 * either complete or absent. A Buffer, whose hash is known up front, goes straight to its key
 * with its SHA-256 checksum for the server to verify.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCopyCommand,
  AbortMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { BlobInfo, BlobStore } from '@waggle/server/src/storage/blob-store.js';
import { describeS3Error, isNotFound, S3SetupError } from './s3-errors.js';

export interface S3BlobStoreOptions {
  /** e.g. `http://127.0.0.1:9000`. */
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Default `us-east-1` (MinIO's default region). */
  region?: string;
  /** Path-style URLs (`endpoint/bucket/key`); default true, as MinIO needs without `MINIO_DOMAIN`. */
  forcePathStyle?: boolean;
  /** Prepended to every key, so several stores can share a bucket; default none. */
  prefix?: string;
  /** Create the bucket in `init()` when it is missing; default true. */
  createBucket?: boolean;
  /** Multipart part size in bytes (S3 minimum 5 MiB); default 8 MiB. */
  partSize?: number;
  /** Parts uploaded in parallel; default 2. */
  queueSize?: number;
  /**
   * Temporary objects and unfinished multipart uploads older than this are removed by `init()`
   * (left by a node that crashed during an upload); default one hour, far above any upload in progress.
   */
  staleTempMs?: number;
}

/** Same as the port's `SHA256_RE`; not imported, since the server's modules are passed in, never loaded here (see deps.ts). */
const SHA256_RE = /^[0-9a-f]{64}$/;

/** Largest object a single CopyObject may copy; larger ones are copied part by part. */
const MAX_SINGLE_COPY = 5 * 1024 * 1024 * 1024;
const COPY_PART = 512 * 1024 * 1024;

export class S3BlobStore implements BlobStore {
  /** The S3 client; exposed so that tests can observe the commands sent. */
  readonly s3: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly endpoint: string;
  private readonly NotFoundError: new (message: string) => Error;

  /**
   * `deps.errors.NotFoundError` is the server's (a `ClusterDeps` fits), passed in so that the HTTP
   * layer maps it to a 404 (see deps.ts: the server's modules are never imported here).
   */
  constructor(
    private readonly opts: S3BlobStoreOptions,
    deps: { errors: { NotFoundError: new (message: string) => Error } },
  ) {
    this.NotFoundError = deps.errors.NotFoundError;
    this.bucket = opts.bucket;
    this.prefix = opts.prefix ?? '';
    this.endpoint = opts.endpoint;
    this.s3 = new S3Client({
      endpoint: opts.endpoint,
      region: opts.region ?? 'us-east-1',
      forcePathStyle: opts.forcePathStyle ?? true,
      credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
      // S3-compatible servers need not support the SDK's default CRC32 checksums (aws-sdk-js-v3 #6810)
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
    });
  }

  /**
   * Checks the endpoint, the credentials and the bucket, creating the bucket when it is missing
   * and `createBucket` is not false. Throws an {@link S3SetupError} that names the endpoint,
   * the bucket and what to fix.
   */
  async init(): Promise<void> {
    await this.ensureBucket();
    // best effort: a key that may not list still stores and reads blobs
    await this.removeStaleTemporaries(this.opts.staleTempMs ?? 3_600_000).catch(() => 0);
  }

  private async ensureBucket(): Promise<void> {
    try {
      await this.s3.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (e) {
      if (!isNotFound(e)) throw new S3SetupError(describeS3Error(e, this.endpoint, this.bucket), { cause: e });
      if (this.opts.createBucket === false) {
        throw new S3SetupError(`S3 bucket "${this.bucket}" does not exist at ${this.endpoint}; create it or allow Waggle to create it (s3.createBucket)`);
      }
    }
    try {
      await this.s3.send(new CreateBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      const name = (e as { name?: string }).name;
      // another node created it at the same time
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') {
        throw new S3SetupError(describeS3Error(e, this.endpoint, this.bucket), { cause: e });
      }
    }
  }

  /**
   * Removes temporary objects and aborts multipart uploads under `<prefix>tmp/` started more than
   * `maxAgeMs` ago. Returns how many it removed. MinIO lists multipart uploads only by exact key,
   * so there the unfinished uploads are left to MinIO's own expiry (`api stale_uploads_expiry`, 24 h).
   */
  async removeStaleTemporaries(maxAgeMs: number): Promise<number> {
    const cutoff = Date.now() - maxAgeMs;
    const Prefix = `${this.prefix}tmp/`;
    let removed = 0;
    let ContinuationToken: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix, ContinuationToken }));
      for (const o of page.Contents ?? []) {
        if (o.Key && o.LastModified && o.LastModified.getTime() <= cutoff) {
          await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: o.Key }));
          removed++;
        }
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    do {
      const page = await this.s3.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix, KeyMarker, UploadIdMarker }));
      for (const u of page.Uploads ?? []) {
        if (u.Key && u.UploadId && u.Initiated && u.Initiated.getTime() <= cutoff) {
          await this.s3.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: u.Key, UploadId: u.UploadId }));
          removed++;
        }
      }
      KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      UploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (KeyMarker);
    return removed;
  }

  private keyOf(sha256: string): string {
    return `${this.prefix}blobs/${sha256}`;
  }

  async put(content: Readable | Buffer): Promise<BlobInfo> {
    if (Buffer.isBuffer(content)) return this.putBuffer(content);
    const tmpKey = `${this.prefix}tmp/${Date.now()}-${randomBytes(8).toString('hex')}`;
    const hash = createHash('sha256');
    let size = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const upload = new Upload({
      client: this.s3,
      params: { Bucket: this.bucket, Key: tmpKey, Body: hashing },
      partSize: Math.max(this.opts.partSize ?? 8 * 1024 * 1024, 5 * 1024 * 1024),
      queueSize: this.opts.queueSize ?? 2,
    });
    const fed = pipeline(content, hashing);
    const uploaded = upload.done().catch((e: unknown) => {
      // the upload stopped reading: end the feed too, or the pipeline would wait forever
      hashing.destroy(e instanceof Error ? e : new Error(String(e)));
      throw e;
    });
    try {
      // both must settle before the temporary object can be judged: a source error also fails the upload
      const [feedResult, uploadResult] = await Promise.allSettled([fed, uploaded]);
      if (feedResult.status === 'rejected') throw feedResult.reason;
      if (uploadResult.status === 'rejected') throw uploadResult.reason;
      const sha256 = hash.digest('hex');
      if (!(await this.has(sha256))) await this.copy(tmpKey, this.keyOf(sha256), size);
      return { sha256, size };
    } finally {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: tmpKey })).catch(() => undefined);
    }
  }

  private async putBuffer(content: Buffer): Promise<BlobInfo> {
    const digest = createHash('sha256').update(content).digest();
    const sha256 = digest.toString('hex');
    if (!(await this.has(sha256))) {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.keyOf(sha256),
          Body: content,
          ContentLength: content.length,
          ChecksumSHA256: digest.toString('base64'),
        }),
      );
    }
    return { sha256, size: content.length };
  }

  /** Server-side copy; objects over 5 GiB (the CopyObject limit) are copied as a multipart upload. */
  private async copy(from: string, to: string, size: number): Promise<void> {
    const source = `${this.bucket}/${from}`;
    if (size <= MAX_SINGLE_COPY) {
      await this.s3.send(new CopyObjectCommand({ Bucket: this.bucket, Key: to, CopySource: source }));
      return;
    }
    const { UploadId } = await this.s3.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: to }));
    try {
      const parts: { ETag: string; PartNumber: number }[] = [];
      for (let start = 0, n = 1; start < size; start += COPY_PART, n++) {
        const end = Math.min(start + COPY_PART, size) - 1;
        const r = await this.s3.send(
          new UploadPartCopyCommand({
            Bucket: this.bucket,
            Key: to,
            UploadId,
            PartNumber: n,
            CopySource: source,
            CopySourceRange: `bytes=${start}-${end}`,
          }),
        );
        parts.push({ ETag: r.CopyPartResult?.ETag ?? '', PartNumber: n });
      }
      await this.s3.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: to, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (e) {
      await this.s3.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: to, UploadId })).catch(() => undefined);
      throw e;
    }
  }

  async get(sha256: string): Promise<Readable> {
    if (!SHA256_RE.test(sha256)) throw new this.NotFoundError('Unknown file');
    try {
      const r = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(sha256) }));
      if (!(r.Body instanceof Readable)) throw new Error('S3 returned a body that is not a Node stream');
      return r.Body;
    } catch (e) {
      if (isNotFound(e)) throw new this.NotFoundError('Unknown file');
      throw e;
    }
  }

  async has(sha256: string): Promise<boolean> {
    if (!SHA256_RE.test(sha256)) return false;
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(sha256) }));
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  async delete(sha256: string): Promise<boolean> {
    // S3 deletes are idempotent and do not say whether the object existed: ask first
    if (!(await this.has(sha256))) return false;
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyOf(sha256) }));
    return true;
  }

  /** Closes the client's sockets. */
  close(): void {
    this.s3.destroy();
  }

  async list(after: string | undefined, limit: number): Promise<BlobInfo[]> {
    const base = `${this.prefix}blobs/`;
    const out: BlobInfo[] = [];
    let StartAfter = after === undefined ? undefined : `${base}${after}`;
    while (out.length < limit) {
      const MaxKeys = Math.min(1000, limit - out.length);
      let page;
      try {
        page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: base, MaxKeys, ...(StartAfter ? { StartAfter } : {}) }));
      } catch (e) {
        throw new S3SetupError(describeS3Error(e, this.endpoint, this.bucket), { cause: e });
      }
      const contents = page.Contents ?? [];
      for (const o of contents) {
        const sha256 = o.Key?.slice(base.length) ?? '';
        if (SHA256_RE.test(sha256)) out.push({ sha256, size: Number(o.Size ?? 0) });
      }
      if (!page.IsTruncated || contents.length === 0) break;
      StartAfter = contents[contents.length - 1]!.Key;
    }
    return out;
  }
}
