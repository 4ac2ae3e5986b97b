import { api, query } from './api';
import { sortStep } from './filters';
import type { CaseTemplate, CustomFieldDef, User } from './types';

export const CASE_STATUSES = ['New', 'InProgress', 'TruePositive', 'FalsePositive', 'Indeterminate', 'Other', 'Duplicated'];
export const ALERT_STATUSES = ['New', 'InProgress', 'Imported', 'Ignored', 'FalsePositive', 'Duplicated', 'Other'];
export const CLOSED_STATUSES = ['TruePositive', 'FalsePositive', 'Indeterminate', 'Other', 'Duplicated'];
export const IMPACT_STATUSES = ['NotApplicable', 'WithImpact', 'NoImpact'];
export const TASK_STATUSES = ['Waiting', 'InProgress', 'Completed', 'Cancel'];

/** Users of the current organisation (assignee pickers). */
export const listUsers = () => query<User[]>([{ _name: 'listUser' }, sortStep('login', 'asc'), { _name: 'page', from: 0, to: 500 }], 'users');
export const listTemplates = () =>
  query<CaseTemplate[]>([{ _name: 'listCaseTemplate' }, sortStep('name', 'asc'), { _name: 'page', from: 0, to: 500 }], 'caseTemplates');
export const listCustomFields = () => api.get<CustomFieldDef[]>('/api/v1/customField');

/** Turns a typed-in custom field value into the field's JSON type. */
export function customFieldValue(def: CustomFieldDef | undefined, raw: string): unknown {
  if (!def) return raw;
  if (def.type === 'integer' || def.type === 'float' || def.type === 'date') return raw === '' ? null : Number(raw);
  if (def.type === 'boolean') return raw === 'true';
  return raw;
}
