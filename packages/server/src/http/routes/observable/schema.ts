import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { AttributeCheckingError } from '../../../errors/errors.js';

const Tags = Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 1000 });
const Tlp = Type.Integer({ minimum: 0, maximum: 4 });
const Pap = Type.Integer({ minimum: 0, maximum: 3 });
const Date = Type.Integer({ minimum: 0 });
const Data = Type.String({ maxLength: 1_000_000 });

export const InputObservable = Type.Object({
  dataType: Type.String({ minLength: 1, maxLength: 128 }),
  data: Type.Optional(Type.Union([Data, Type.Array(Data, { maxItems: 10_000 })])),
  message: Type.Optional(Type.String({ maxLength: 1_000_000 })),
  startDate: Type.Optional(Date),
  tlp: Type.Optional(Tlp),
  pap: Type.Optional(Pap),
  tags: Type.Optional(Tags),
  ioc: Type.Optional(Type.Boolean()),
  sighted: Type.Optional(Type.Boolean()),
  sightedAt: Type.Optional(Date),
  ignoreSimilarity: Type.Optional(Type.Boolean()),
  /** A multipart part name, an existing attachment `{name, contentType, id}`, or a list of those. */
  attachment: Type.Optional(Type.Unknown()),
  isZip: Type.Optional(Type.Boolean()),
  /** The client types it as a boolean; TheHive reads a string. */
  zipPassword: Type.Optional(Type.Unknown()),
});

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const InputUpdateObservable = Type.Object({
  dataType: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  message: Type.Optional(Nullable(Type.String({ maxLength: 1_000_000 }))),
  tlp: Type.Optional(Tlp),
  pap: Type.Optional(Pap),
  tags: Type.Optional(Tags),
  ioc: Type.Optional(Type.Boolean()),
  sighted: Type.Optional(Type.Boolean()),
  sightedAt: Type.Optional(Nullable(Date)),
  ignoreSimilarity: Type.Optional(Type.Boolean()),
  addTags: Type.Optional(Tags),
  removeTags: Type.Optional(Tags),
});

export const InputBulkUpdateObservable = Type.Intersect([
  InputUpdateObservable,
  Type.Object({ ids: Type.Array(Type.String({ maxLength: 256 }), { minItems: 1, maxItems: 10_000 }) }),
]);

const inputObservableCheck = TypeCompiler.Compile(InputObservable);

/** Validates an InputObservable that did not go through Fastify's validation (multipart `_json`). */
export function checkInputObservable(value: unknown): Static<typeof InputObservable> {
  if (inputObservableCheck.Check(value)) return value;
  const errors = [...inputObservableCheck.Errors(value)].slice(0, 10).map((e) => `body${e.path.replace(/\//g, '.')} ${e.message}`);
  throw new AttributeCheckingError(errors.join('; ') || 'Invalid observable', { errors });
}
