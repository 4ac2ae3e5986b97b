/**
 * Observable types (`domain`, `ip`, `file`...): platform-wide, visible to every organisation,
 * managed by platform administrators. Names are unique (claim scope `observableType.name`,
 * also used by the bootstrap for the default types).
 */
import type { Actor } from './actor.js';
import type { Doc, EntityStore, NewDoc } from '../storage/entity-store.js';
import type { AuditService } from './audit.service.js';
import { ALL_ORGS } from '../entities/registry.js';
import { AttributeCheckingError, BadRequestError, ConflictError, CreateError, NotFoundError } from '../errors/errors.js';
import { requireAdmin } from './policy.js';
import { q } from '../query/ir.js';
import { systemFields } from './render.js';

export const OBSERVABLE_TYPE_SCOPE = 'observableType.name';

export interface ObservableTypeInput {
  name: string;
  isAttachment?: boolean;
}

export class ObservableTypeService {
  constructor(
    private readonly store: EntityStore,
    private readonly audit: AuditService,
  ) {}

  /**
   * Types by name, cached briefly: every observable created looks its type up, and types
   * change rarely. This node drops the cache on its own changes; other cluster nodes see a
   * change within CACHE_TTL_MS.
   */
  private cache = new Map<string, { doc: Doc | undefined; at: number }>();
  private static readonly CACHE_TTL_MS = 5_000;

  /** The type named `name`, or undefined. Every type is visible to everyone. */
  async findByName(name: string): Promise<Doc | undefined> {
    const hit = this.cache.get(name);
    if (hit && Date.now() - hit.at < ObservableTypeService.CACHE_TTL_MS) return hit.doc;
    const owner = await this.store.uniqueOwner(OBSERVABLE_TYPE_SCOPE, name);
    const found = owner ? await this.store.get('observableType', owner) : undefined;
    const doc = found?._type === 'observableType' ? found : undefined;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(name, { doc, at: Date.now() });
    return doc;
  }

  /** A type by id (`~123`) or name; throws NotFoundError. */
  async get(idOrName: string): Promise<Doc> {
    const doc = idOrName.startsWith('~') ? await this.store.get('observableType', idOrName) : await this.findByName(idOrName);
    if (!doc) throw new NotFoundError(`ObservableType ${idOrName} not found`);
    return doc;
  }

  /**
   * Creates a type (platform admins with manageObservableTemplate).
   * Throws AuthorizationError, AttributeCheckingError (bad name), CreateError (name taken).
   */
  async create(actor: Actor, input: ObservableTypeInput): Promise<Doc> {
    requireAdmin(actor, 'manageObservableTemplate');
    const name = input.name.trim();
    if (!name || /[\u0000-\u001f\u007f]/.test(name)) throw new AttributeCheckingError(`Invalid observable type name "${input.name}"`);
    const doc: NewDoc = {
      _id: this.store.newId(),
      _type: 'observableType',
      _createdAt: Date.now(),
      _createdBy: actor.login,
      _orgs: [ALL_ORGS],
      _parents: {},
      name,
      isAttachment: input.isAttachment === true,
    };
    this.cache.delete(name);
    try {
      const [, created] = await this.audit.commit([
        { op: 'claim', scope: OBSERVABLE_TYPE_SCOPE, key: name, owner: doc._id },
        { op: 'insert', doc },
        this.audit.op(actor, 'create', doc, { name }),
      ]);
      this.cache.delete(name);
      return created as Doc;
    } catch (e) {
      if (e instanceof ConflictError) throw new CreateError(`Observable type ${name} already exists`);
      throw e;
    }
  }

  /** Whether any observable, in any organisation, has this data type. */
  async inUse(name: string): Promise<boolean> {
    const r = await this.store.query({ entity: 'observable', where: q.eq('dataType', name), sort: [], output: { kind: 'rows', from: 0, to: 1 } });
    return r.kind === 'rows' && r.rows.length > 0;
  }

  /** Deletes an unused type. Throws AuthorizationError, NotFoundError, BadRequestError (in use). */
  async delete(actor: Actor, idOrName: string): Promise<void> {
    requireAdmin(actor, 'manageObservableTemplate');
    const doc = await this.get(idOrName);
    const name = String(doc.name);
    if (await this.inUse(name)) throw new BadRequestError(`Observable type ${name} is used by observables and cannot be deleted`);
    this.cache.delete(name);
    await this.audit.commit([
      { op: 'delete', type: 'observableType', id: doc._id },
      { op: 'release', scope: OBSERVABLE_TYPE_SCOPE, key: name },
      this.audit.op(actor, 'delete', doc, { name }),
    ]);
    this.cache.delete(name);
  }

  render(doc: Doc): Record<string, unknown> {
    return { ...systemFields(doc), name: doc.name, isAttachment: doc.isAttachment === true, extraData: {} };
  }
}
