/** Building task documents, shared by the task service and case creation from templates. */
import type { Actor } from './actor.js';
import type { EntityStore, NewDoc } from '../storage/entity-store.js';
import { AttributeCheckingError } from '../errors/errors.js';
import { childAccess } from './policy.js';

export const TASK_STATUSES = ['Waiting', 'InProgress', 'Completed', 'Cancel'] as const;

export interface TaskInput {
  title: string;
  group?: string;
  description?: string;
  status?: string;
  flag?: boolean;
  startDate?: number;
  endDate?: number;
  order?: number;
  dueDate?: number;
  assignee?: string;
  mandatory?: boolean;
}

/** A new task under `caseDoc` (or under a case template when `parentRelation` is `caseTemplate`). */
export function buildTaskDoc(
  store: EntityStore,
  actor: Actor,
  parent: { _id: string; _orgs: string[] },
  input: TaskInput,
  parentRelation: 'case' | 'caseTemplate' = 'case',
): NewDoc {
  const status = input.status ?? 'Waiting';
  if (!(TASK_STATUSES as readonly string[]).includes(status)) throw new AttributeCheckingError(`Invalid task status "${status}"`);
  const now = Date.now();
  return {
    _id: store.newId(),
    _type: 'task',
    _createdAt: now,
    _createdBy: actor.login,
    ...(parentRelation === 'case' ? childAccess(parent, 'task') : { _orgs: parent._orgs }),
    _parents: { [parentRelation]: parent._id },
    title: input.title,
    group: input.group ?? 'default',
    ...(input.description !== undefined ? { description: input.description } : {}),
    status,
    flag: input.flag ?? false,
    ...(input.startDate !== undefined ? { startDate: input.startDate } : status === 'InProgress' ? { startDate: now } : {}),
    ...(input.endDate !== undefined ? { endDate: input.endDate } : {}),
    order: input.order ?? 0,
    ...(input.dueDate !== undefined ? { dueDate: input.dueDate } : {}),
    ...(input.assignee ? { assignee: input.assignee.toLowerCase() } : {}),
    mandatory: input.mandatory ?? false,
  };
}
