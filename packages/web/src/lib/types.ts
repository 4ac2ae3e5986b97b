/** Shapes of the API objects the UI reads (TheHive API v1 output). */
export interface Entity {
  _id: string;
  _type?: string;
  _createdAt: number;
  _createdBy: string;
  _updatedAt?: number;
  _updatedBy?: string;
  extraData?: Record<string, unknown>;
}

export interface CustomFieldValue {
  _id?: string;
  name: string;
  type?: string;
  value: unknown;
  order?: number;
}

export interface Case extends Entity {
  number: number;
  title: string;
  description: string;
  severity: number;
  tlp: number;
  pap: number;
  tags?: string[];
  flag: boolean;
  status: string;
  stage: string;
  summary?: string;
  impactStatus?: string;
  assignee?: string;
  startDate: number;
  customFields?: CustomFieldValue[];
  userPermissions?: string[];
}

export interface Alert extends Entity {
  type: string;
  source: string;
  sourceRef: string;
  title: string;
  description: string;
  severity: number;
  tlp: number;
  pap: number;
  tags?: string[];
  date: number;
  status: string;
  stage: string;
  caseId?: string;
  observableCount?: number;
  follow?: boolean;
  read?: boolean;
  assignee?: string;
}

export interface Attachment extends Entity {
  name: string;
  size: number;
  contentType: string;
  hashes?: string[];
  id?: string;
}

export interface Observable extends Entity {
  dataType: string;
  data?: string;
  message?: string;
  tlp: number;
  pap: number;
  tags?: string[];
  ioc: boolean;
  sighted: boolean;
  attachment?: Attachment;
  reports?: Record<string, { taxonomies?: Taxonomy[] }>;
}

export interface Taxonomy {
  level: 'info' | 'safe' | 'suspicious' | 'malicious' | string;
  namespace: string;
  predicate: string;
  value: string | number | boolean;
}

export interface Task extends Entity {
  title: string;
  group: string;
  description?: string;
  status: string;
  flag: boolean;
  order: number;
  assignee?: string;
  mandatory?: boolean;
}

export interface Log extends Entity {
  message: string;
  date: number;
  owner?: string;
  attachments?: Attachment[];
}

export interface User extends Entity {
  login: string;
  name: string;
  email?: string;
  profile: string;
  organisation: string;
  permissions?: string[];
  hasKey: boolean;
  hasPassword: boolean;
  hasMFA: boolean;
  locked: boolean;
  type?: string;
  organisations?: Array<{ organisationId: string; organisation: string; profile: string }>;
}

export interface CaseTemplate extends Entity {
  name: string;
  displayName?: string;
  titlePrefix?: string;
  description?: string;
  severity?: number;
  tags?: string[];
  tlp?: number;
  pap?: number;
  tasks?: Array<Partial<Task>>;
  customFields?: CustomFieldValue[];
}

export interface CustomFieldDef extends Entity {
  name: string;
  displayName?: string;
  group?: string;
  description?: string;
  type: string;
  options?: unknown[];
  mandatory?: boolean;
}
