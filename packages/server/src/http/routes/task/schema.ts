import { Type, type TSchema } from '@sinclair/typebox';
import { InputTask } from '../case/schema.js';

export { InputTask };

const Date = Type.Integer({ minimum: 0 });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const InputUpdateTask = Type.Object({
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  group: Type.Optional(Type.String({ maxLength: 256 })),
  description: Type.Optional(Nullable(Type.String({ maxLength: 1_000_000 }))),
  status: Type.Optional(Type.String({ maxLength: 64 })),
  flag: Type.Optional(Type.Boolean()),
  startDate: Type.Optional(Nullable(Date)),
  endDate: Type.Optional(Nullable(Date)),
  order: Type.Optional(Type.Integer()),
  dueDate: Type.Optional(Nullable(Date)),
  assignee: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
  mandatory: Type.Optional(Type.Boolean()),
});

export const BulkUpdateTask = Type.Intersect([
  InputUpdateTask,
  Type.Object({ ids: Type.Array(Type.String({ maxLength: 256 }), { minItems: 1, maxItems: 10000 }) }),
]);

/** `{ organisationName: actionRequired }` */
export const ActionRequired = Type.Record(Type.String(), Type.Boolean());
