/**
 * The BlobStore port: content-addressed file storage. Adapters: local file system
 * (`localfs/`) and S3 (in `@waggle/server-cluster`). Keys are SHA-256 hex digests.
 */
import type { Readable } from 'node:stream';

export interface BlobInfo {
  /** SHA-256 of the content, lowercase hex: the blob's key. */
  sha256: string;
  size: number;
}

export interface BlobStore {
  init(): Promise<void>;
  /** Stores a stream and resolves once it is durable. Storing existing content is a no-op. */
  put(content: Readable | Buffer): Promise<BlobInfo>;
  /** The content as a stream. Throws NotFoundError when absent or when the key is not a SHA-256. */
  get(sha256: string): Promise<Readable>;
  /** Whether the blob exists. */
  has(sha256: string): Promise<boolean>;
  /** Removes the blob; `false` when it did not exist. */
  delete(sha256: string): Promise<boolean>;
  /**
   * Up to `limit` stored blobs whose key sorts after `after` (all when `undefined`), in
   * ascending key order; fewer than `limit` means there are no more. For `waggle migrate-storage`.
   */
  list(after: string | undefined, limit: number): Promise<BlobInfo[]>;
}

export const SHA256_RE = /^[0-9a-f]{64}$/;
