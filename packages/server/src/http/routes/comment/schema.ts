import { Type } from '@sinclair/typebox';

export const InputComment = Type.Object({
  message: Type.String({ minLength: 1, maxLength: 10_000_000 }),
});

export const InputUpdateComment = InputComment;
