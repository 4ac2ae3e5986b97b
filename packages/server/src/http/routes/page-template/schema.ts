import { Type } from '@sinclair/typebox';

export const InputPage = Type.Object({
  title: Type.String({ minLength: 1, maxLength: 1024 }),
  content: Type.String({ maxLength: 10_000_000 }),
  category: Type.String({ minLength: 1, maxLength: 256 }),
  order: Type.Optional(Type.Integer()),
});

export const InputUpdatePage = Type.Object({
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  content: Type.Optional(Type.String({ maxLength: 10_000_000 })),
  category: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  order: Type.Optional(Type.Integer()),
});
