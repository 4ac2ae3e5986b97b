/**
 * Attachments: files stored in the BlobStore (content-addressed, deduplicated by SHA-256)
 * and an `attachment` document that names them, linked to its parent (case, alert, log,
 * observable, organisation). Downloads are always served as `attachment` with a safe name,
 * never inline, so uploaded HTML cannot run in Waggle's origin.
 */
import type { Readable } from 'node:stream';
import type { Actor } from './actor.js';
import type { BatchOp, Doc, EntityStore, NewDoc } from '../storage/entity-store.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { AuditService } from './audit.service.js';
import { assertVisible, inheritAccess } from './policy.js';
import { systemFields } from './render.js';
import { BadRequestError } from '../errors/errors.js';

/** A file already streamed into the BlobStore (by `http/multipart.ts`). */
export interface StoredFile {
  /** Form part name (e.g. `attachments`, `attachment`, `obs1`). */
  field: string;
  filename: string;
  contentType: string;
  sha256: string;
  size: number;
}

/** Strips directories, control characters and reserved characters from a client file name. */
export function safeFileName(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .replace(/[\u0000-\u001f\u007f"<>|:*?]/g, '_')
    .replace(/^\.+/, '_')
    .trim()
    .slice(0, 255);
  return cleaned || 'file';
}

export interface AttachmentParent {
  relation: 'case' | 'alert' | 'organisation' | 'log' | 'observable' | 'task';
  doc: Pick<Doc, '_id' | '_orgs' | '_parents'>;
}

export class AttachmentService {
  constructor(
    private readonly store: EntityStore,
    private readonly blobs: BlobStore,
    private readonly audit: AuditService,
  ) {}

  /** Streams content into the blob store (use for bodies that are not multipart). */
  async putBlob(content: Readable | Buffer): Promise<{ sha256: string; size: number }> {
    return this.blobs.put(content);
  }

  /** The attachment document for a stored file under `parent` (not yet written). */
  buildDoc(actor: Actor, parent: AttachmentParent, file: StoredFile, extraParents: Record<string, string> = {}): NewDoc {
    if (file.size < 0) throw new BadRequestError('Invalid file');
    return {
      _id: this.store.newId(),
      _type: 'attachment',
      _createdAt: Date.now(),
      _createdBy: actor.login,
      ...inheritAccess(parent.doc),
      _parents: { ...parent.doc._parents, ...extraParents, [parent.relation]: parent.doc._id },
      name: safeFileName(file.filename),
      hashes: [file.sha256],
      size: file.size,
      contentType: file.contentType || 'application/octet-stream',
      id: file.sha256,
    };
  }

  /** Creates attachment documents for `files` under `parent`, with audit, and returns them. */
  async attach(actor: Actor, parent: AttachmentParent, files: StoredFile[], extra: BatchOp[] = []): Promise<Doc[]> {
    const docs = files.map((f) => this.buildDoc(actor, parent, f));
    const results = await this.audit.commit([
      ...docs.map((d): BatchOp => ({ op: 'insert', doc: d })),
      ...docs.map((d) => this.audit.op(actor, 'create', d, { name: d.name })),
      ...extra,
    ]);
    return results.slice(0, docs.length) as Doc[];
  }

  /** An attachment visible to the actor. */
  async get(actor: Actor, id: string): Promise<Doc> {
    return assertVisible(actor, await this.store.get('attachment', id), 'Attachment', id);
  }

  /** The content of a visible attachment. */
  async open(actor: Actor, id: string): Promise<{ doc: Doc; stream: Readable }> {
    const doc = await this.get(actor, id);
    return { doc, stream: await this.blobs.get(String(doc.id)) };
  }

  /** Raw blob access by hash, for callers that already checked visibility of the owner. */
  async openBlob(sha256: string): Promise<Readable> {
    return this.blobs.get(sha256);
  }

  async delete(actor: Actor, doc: Doc): Promise<void> {
    await this.audit.commit([{ op: 'delete', type: 'attachment', id: doc._id }, this.audit.op(actor, 'delete', doc, { name: doc.name })]);
  }

  render(doc: Doc): Record<string, unknown> {
    return {
      ...systemFields(doc),
      name: doc.name,
      hashes: doc.hashes ?? [doc.id],
      size: doc.size,
      contentType: doc.contentType,
      id: doc.id,
      path: doc.path ?? `/api/v1/attachment/${doc._id}/download`,
      extraData: {},
    };
  }
}

/** The Content-Disposition header value for a download: always `attachment`, RFC 5987 name. */
export function contentDisposition(name: string): string {
  const ascii = safeFileName(name)
    .replace(/[^\x20-\x7e]/g, '_')
    .replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(safeFileName(name))}`;
}
