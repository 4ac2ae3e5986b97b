/**
 * The audit trail. Services add `auditOp(...)` to the same batch as the change it records,
 * so the trail is written atomically with the data, then `publish` the stored records.
 */
import type { Actor } from './actor.js';
import type { BatchOp, Doc, EntityStore, NewDoc } from '../storage/entity-store.js';
import { entityDef, RESTRICTED_TO } from '../entities/registry.js';
import type { EventBus } from './events.js';

export type AuditOperation = 'create' | 'update' | 'delete' | 'merge' | 'share' | 'unshare' | 'import' | 'login' | 'logout';

export class AuditService {
  constructor(
    private readonly store: EntityStore,
    private readonly bus: EventBus,
  ) {}

  /**
   * A batch op that records `operation` on `object`. The record is visible to the same
   * organisations as the object and is linked to its root (case or alert) for timelines.
   */
  op(
    actor: Actor,
    operation: AuditOperation,
    object: Pick<Doc, '_id' | '_type' | '_orgs' | '_parents'>,
    details: Record<string, unknown> = {},
    now = Date.now(),
  ): BatchOp {
    const rootCase = object._type === 'case' ? object._id : object._parents.case;
    const rootAlert = object._type === 'alert' ? object._id : object._parents.alert;
    const parents: Record<string, string> = {};
    if (rootCase) parents.case = rootCase;
    if (rootAlert) parents.alert = rootAlert;
    const doc: NewDoc = {
      _id: this.store.newId(),
      _type: 'audit',
      _createdAt: now,
      _createdBy: actor.login,
      _orgs: object._orgs,
      // a case restricted to some users (UserAccessKind) restricts its audit trail the same way
      ...(Array.isArray((object as Record<string, unknown>)[RESTRICTED_TO]) ? { [RESTRICTED_TO]: (object as Record<string, unknown>)[RESTRICTED_TO] } : {}),
      _parents: parents,
      operation,
      objectType: entityDef(object._type).apiType,
      objectId: object._id,
      rootId: rootCase ?? rootAlert ?? object._id,
      requestId: actor.requestId,
      details,
      mainAction: true,
    };
    return { op: 'insert', doc };
  }

  /** Publishes the audit records found in a batch's results to the live stream. */
  publish(results: ReadonlyArray<Doc | boolean>): void {
    const audits = results.filter((r): r is Doc => typeof r === 'object' && r._type === 'audit');
    if (audits.length) this.bus.publish(audits);
  }

  /** Runs a batch and publishes its audit records. */
  async commit(ops: readonly BatchOp[]): Promise<Array<Doc | boolean>> {
    const results = await this.store.batch(ops);
    this.publish(results);
    return results;
  }
}
