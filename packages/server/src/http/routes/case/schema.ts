import { Type } from '@sinclair/typebox';

const Tags = Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 1000 });
export const CustomFieldsInput = Type.Union([
  Type.Array(Type.Object({ name: Type.String({ maxLength: 256 }), value: Type.Optional(Type.Unknown()), order: Type.Optional(Type.Integer()) }), {
    maxItems: 500,
  }),
  Type.Record(Type.String({ maxLength: 256 }), Type.Unknown()),
]);
const Severity = Type.Integer({ minimum: 1, maximum: 4 });
const Tlp = Type.Integer({ minimum: 0, maximum: 4 });
const Pap = Type.Integer({ minimum: 0, maximum: 3 });
const Date = Type.Integer({ minimum: 0 });

export const InputTask = Type.Object({
  title: Type.String({ minLength: 1, maxLength: 1024 }),
  group: Type.Optional(Type.String({ maxLength: 256 })),
  description: Type.Optional(Type.String({ maxLength: 1_000_000 })),
  status: Type.Optional(Type.String({ maxLength: 64 })),
  flag: Type.Optional(Type.Boolean()),
  startDate: Type.Optional(Date),
  endDate: Type.Optional(Date),
  order: Type.Optional(Type.Integer()),
  dueDate: Type.Optional(Date),
  assignee: Type.Optional(Type.String({ maxLength: 256 })),
  mandatory: Type.Optional(Type.Boolean()),
});

export const InputCasePage = Type.Object({
  title: Type.String({ minLength: 1, maxLength: 1024 }),
  content: Type.String({ maxLength: 10_000_000 }),
  category: Type.String({ maxLength: 256 }),
  order: Type.Optional(Type.Integer()),
});

export const InputShare = Type.Object({
  organisation: Type.String({ minLength: 1 }),
  share: Type.Optional(Type.Boolean()),
  profile: Type.Optional(Type.String()),
  taskRule: Type.Optional(Type.String()),
  observableRule: Type.Optional(Type.String()),
});

export const InputCase = Type.Object({
  title: Type.String({ minLength: 1, maxLength: 1024 }),
  description: Type.String({ maxLength: 10_000_000 }),
  severity: Type.Optional(Severity),
  startDate: Type.Optional(Date),
  endDate: Type.Optional(Date),
  tags: Type.Optional(Tags),
  flag: Type.Optional(Type.Boolean()),
  tlp: Type.Optional(Tlp),
  pap: Type.Optional(Pap),
  status: Type.Optional(Type.String({ maxLength: 64 })),
  summary: Type.Optional(Type.String({ maxLength: 1_000_000 })),
  assignee: Type.Optional(Type.String({ maxLength: 256 })),
  access: Type.Optional(Type.Unknown()),
  customFields: Type.Optional(CustomFieldsInput),
  caseTemplate: Type.Optional(Type.String({ maxLength: 256 })),
  tasks: Type.Optional(Type.Array(InputTask, { maxItems: 1000 })),
  pages: Type.Optional(Type.Array(InputCasePage, { maxItems: 1000 })),
  sharingParameters: Type.Optional(Type.Array(InputShare, { maxItems: 100 })),
  taskRule: Type.Optional(Type.String({ maxLength: 128 })),
  observableRule: Type.Optional(Type.String({ maxLength: 128 })),
});

const Nullable = <T extends import('@sinclair/typebox').TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const InputUpdateCase = Type.Object({
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  description: Type.Optional(Type.String({ maxLength: 10_000_000 })),
  severity: Type.Optional(Severity),
  startDate: Type.Optional(Date),
  endDate: Type.Optional(Date),
  tags: Type.Optional(Tags),
  flag: Type.Optional(Type.Boolean()),
  tlp: Type.Optional(Tlp),
  pap: Type.Optional(Pap),
  status: Type.Optional(Type.String({ maxLength: 64 })),
  summary: Type.Optional(Nullable(Type.String({ maxLength: 1_000_000 }))),
  assignee: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
  impactStatus: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  customFields: Type.Optional(CustomFieldsInput),
  taskRule: Type.Optional(Type.String({ maxLength: 128 })),
  observableRule: Type.Optional(Type.String({ maxLength: 128 })),
  addTags: Type.Optional(Tags),
  removeTags: Type.Optional(Tags),
});

export const BulkUpdateCase = Type.Intersect([
  InputUpdateCase,
  Type.Object({ ids: Type.Array(Type.String({ maxLength: 256 }), { minItems: 1, maxItems: 10000 }) }),
]);
