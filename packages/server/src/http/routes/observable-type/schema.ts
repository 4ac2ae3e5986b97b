import { Type } from '@sinclair/typebox';

export const InputObservableType = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128 }),
  isAttachment: Type.Optional(Type.Boolean()),
});
