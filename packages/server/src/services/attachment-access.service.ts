/**
 * The authorization rules of the attachment endpoints: case attachments, organisation
 * attachments, and download/delete of any attachment by id. Storage and document building
 * stay in AttachmentService; this adds the tenant check and the permission of each parent.
 */
import type { Readable } from 'node:stream';
import type { Actor } from './actor.js';
import type { BatchOp, Doc, EntityStore, NewDoc } from '../storage/entity-store.js';
import type { AuditService } from './audit.service.js';
import type { AttachmentParent, AttachmentService, StoredFile } from './attachment.service.js';
import type { CaseService } from './case.service.js';
import type { Permission } from '../auth/permissions.js';
import { BadRequestError, NotFoundError } from '../errors/errors.js';
import { assertVisible, canSee, childAccess, requirePermission, type AccessFields } from './policy.js';
import { q } from '../query/ir.js';

/** The permission to add or remove an attachment, by the relation it hangs from. */
const PERMISSION_BY_PARENT: Record<AttachmentParent['relation'], Permission> = {
  case: 'manageCase/update',
  alert: 'manageAlert/update',
  organisation: 'manageConfig',
  log: 'manageTask',
  task: 'manageTask',
  observable: 'manageObservable',
};

const PARENT_RELATIONS = ['log', 'observable', 'task', 'case', 'alert', 'organisation'] as const;

/** The most specific parent of an attachment (a log attachment also names its task and case). */
function parentOf(doc: Doc): { relation: AttachmentParent['relation']; id: string } | undefined {
  for (const r of PARENT_RELATIONS) if (doc._parents[r]) return { relation: r, id: doc._parents[r] };
  return undefined;
}

/** Reads the uploaded files of a request (called after the authorization checks). */
export type FileReader = () => Promise<StoredFile[]>;

/** `name` made unique among `taken` as `base (n).ext`. */
export function uniqueName(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name;
  const dot = name.lastIndexOf('.');
  const base = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  for (let n = 1; ; n++) {
    const candidate = `${base} (${n})${ext}`;
    if (!taken.has(candidate)) return candidate;
  }
}

export class AttachmentAccessService {
  constructor(
    private readonly store: EntityStore,
    private readonly attachments: AttachmentService,
    private readonly cases: CaseService,
    private readonly audit: AuditService,
  ) {}

  /** Writes one attachment document per file under `parent`, with `access`, and the audit records. */
  private async attach(actor: Actor, parent: AttachmentParent, files: StoredFile[], access: AccessFields): Promise<Doc[]> {
    const docs = files.map((f): NewDoc => ({ ...this.attachments.buildDoc(actor, parent, f), ...access }));
    const results = await this.audit.commit([
      ...docs.map((d): BatchOp => ({ op: 'insert', doc: d })),
      ...docs.map((d) => this.audit.op(actor, 'create', d, { name: d.name })),
    ]);
    return results.slice(0, docs.length) as Doc[];
  }

  private requireFiles(files: StoredFile[]): void {
    if (files.length === 0) throw new BadRequestError('No file: send one or more multipart file parts named "attachments"');
  }

  /**
   * Adds files to a case (manageCase/update). `readFiles` is called only once the case and the
   * permission are checked, so refused uploads are never stored.
   * Throws NotFoundError, AuthorizationError, BadRequestError (no file).
   */
  async addToCase(actor: Actor, caseIdOrNumber: string, readFiles: FileReader): Promise<Doc[]> {
    const c = await this.cases.resolve(actor, caseIdOrNumber);
    requirePermission(actor, PERMISSION_BY_PARENT.case, c);
    const files = await readFiles();
    this.requireFiles(files);
    return this.attach(actor, { relation: 'case', doc: { _id: c._id, _orgs: c._orgs, _parents: {} } }, files, childAccess(c, 'other'));
  }

  /** A file of a visible case: attached to the case itself or to one of its task logs. */
  async getInCase(actor: Actor, caseIdOrNumber: string, attachmentId: string): Promise<Doc> {
    const c = await this.cases.resolve(actor, caseIdOrNumber);
    const att = await this.store.get('attachment', attachmentId);
    if (!att || att._type !== 'attachment' || att._parents.case !== c._id || !canSee(actor, att)) {
      throw new NotFoundError(`Attachment ${attachmentId} not found`);
    }
    return att;
  }

  async deleteFromCase(actor: Actor, caseIdOrNumber: string, attachmentId: string): Promise<void> {
    const att = await this.getInCase(actor, caseIdOrNumber, attachmentId);
    requirePermission(actor, PERMISSION_BY_PARENT[parentOf(att)?.relation ?? 'case'], att);
    await this.attachments.delete(actor, att);
  }

  /**
   * Adds files to the actor's current organisation (manageConfig). With `canRename`, a name
   * already used by another organisation attachment gets a ` (n)` suffix; otherwise it is kept.
   * `readFiles` gives the stored files and the `canRename` form field, after the permission check.
   */
  async addToOrganisation(actor: Actor, readFiles: () => Promise<{ files: StoredFile[]; canRename: boolean }>): Promise<Doc[]> {
    requirePermission(actor, PERMISSION_BY_PARENT.organisation);
    const { files, canRename } = await readFiles();
    this.requireFiles(files);
    let named = files;
    if (canRename) {
      const r = await this.store.query({
        entity: 'attachment',
        where: q.parentId('organisation', actor.orgId),
        sort: [],
        output: { kind: 'rows', from: 0, to: 100_000 },
      });
      const taken = new Set((r.kind === 'rows' ? r.rows : []).map((d) => String(d.name)));
      named = files.map((f) => {
        const filename = uniqueName(f.filename, taken);
        taken.add(filename);
        return { ...f, filename };
      });
    }
    return this.attach(actor, { relation: 'organisation', doc: { _id: actor.orgId, _orgs: [actor.orgId], _parents: {} } }, named, { _orgs: [actor.orgId] });
  }

  /** Any attachment visible to the actor, whose parent (when it still exists) is visible too. */
  async get(actor: Actor, attachmentId: string): Promise<Doc> {
    const att = assertVisible(actor, await this.store.get('attachment', attachmentId), 'Attachment', attachmentId);
    const p = parentOf(att);
    if (p && p.relation !== 'organisation') {
      const parent = await this.store.get(p.relation, p.id);
      if (parent && !canSee(actor, parent)) throw new NotFoundError(`Attachment ${attachmentId} not found`);
    }
    return att;
  }

  async open(actor: Actor, attachmentId: string): Promise<{ doc: Doc; stream: Readable }> {
    const doc = await this.get(actor, attachmentId);
    return { doc, stream: await this.attachments.openBlob(String(doc.id)) };
  }

  async openInCase(actor: Actor, caseIdOrNumber: string, attachmentId: string): Promise<{ doc: Doc; stream: Readable }> {
    const doc = await this.getInCase(actor, caseIdOrNumber, attachmentId);
    return { doc, stream: await this.attachments.openBlob(String(doc.id)) };
  }

  /**
   * Deletes an attachment with the permission of its parent. Observable files cannot be
   * removed alone (delete the observable instead).
   */
  async delete(actor: Actor, attachmentId: string): Promise<void> {
    const att = await this.get(actor, attachmentId);
    const p = parentOf(att);
    if (p?.relation === 'observable') throw new BadRequestError('The file of an observable cannot be deleted alone; delete the observable');
    if (p?.relation === 'organisation' && p.id !== actor.orgId) throw new NotFoundError(`Attachment ${attachmentId} not found`);
    requirePermission(actor, PERMISSION_BY_PARENT[p?.relation ?? 'organisation'], att);
    await this.attachments.delete(actor, att);
  }
}
