import { Type, type TSchema } from '@sinclair/typebox';

const Date = Type.Integer({ minimum: 0 });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const InputCustomEvent = Type.Object({
  date: Date,
  endDate: Type.Optional(Date),
  title: Type.String({ minLength: 1, maxLength: 1024 }),
  description: Type.Optional(Type.String({ maxLength: 1_000_000 })),
});

export const InputUpdateCustomEvent = Type.Object({
  date: Type.Optional(Date),
  endDate: Type.Optional(Nullable(Date)),
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  description: Type.Optional(Nullable(Type.String({ maxLength: 1_000_000 }))),
});
