import { Type } from '@sinclair/typebox';

const Options = Type.Array(Type.Unknown(), { maxItems: 1000 });

export const InputCustomField = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128 }),
  group: Type.String({ maxLength: 256 }),
  description: Type.String({ maxLength: 100_000 }),
  type: Type.String({ maxLength: 32 }),
  displayName: Type.Optional(Type.String({ maxLength: 256 })),
  mandatory: Type.Optional(Type.Boolean()),
  options: Type.Optional(Options),
});

export const InputUpdateCustomField = Type.Object({
  displayName: Type.Optional(Type.String({ maxLength: 256 })),
  group: Type.Optional(Type.String({ maxLength: 256 })),
  description: Type.Optional(Type.String({ maxLength: 100_000 })),
  type: Type.Optional(Type.String({ maxLength: 32 })),
  options: Type.Optional(Options),
  mandatory: Type.Optional(Type.Boolean()),
});

export const DeleteCustomFieldQuery = Type.Object({ force: Type.Optional(Type.String({ maxLength: 8 })) });
