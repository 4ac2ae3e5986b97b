import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { AttributeCheckingError } from '../../../errors/errors.js';

const Date = Type.Integer({ minimum: 0 });

/** A task log, as JSON or as the `_json` part of a multipart body. `attachments` (client file paths) is ignored. */
export const InputTaskLog = Type.Object({
  message: Type.String({ maxLength: 10_000_000 }),
  startDate: Type.Optional(Date),
  includeInTimeline: Type.Optional(Date),
  attachments: Type.Optional(Type.Unknown()),
});

export const InputUpdateTaskLog = Type.Object({
  message: Type.Optional(Type.String({ maxLength: 10_000_000 })),
  includeInTimeline: Type.Optional(Type.Union([Date, Type.Null()])),
});

/**
 * Validates a value that did not go through Fastify's body validation (a multipart `_json`
 * part), with the same error shape: AttributeCheckingError listing every problem.
 */
export function validate<T extends TSchema>(schema: T, value: unknown, what = 'body'): Static<T> {
  if (Value.Check(schema, value)) return value;
  const errors = [...Value.Errors(schema, value)].slice(0, 20).map((e) => `${what}${e.path.replace(/\//g, '.')} ${e.message}`);
  throw new AttributeCheckingError(errors.join('; ') || `Invalid ${what}`, { errors });
}
