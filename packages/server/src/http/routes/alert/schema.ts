import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { AttributeCheckingError } from '../../../errors/errors.js';
import { CustomFieldsInput, InputCase } from '../case/schema.js';
import { InputObservable } from '../observable/schema.js';
import { InputProcedure } from '../procedure/schema.js';

const Tags = Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 1000 });
const Severity = Type.Integer({ minimum: 1, maximum: 4 });
const Tlp = Type.Integer({ minimum: 0, maximum: 4 });
const Pap = Type.Integer({ minimum: 0, maximum: 3 });
const Date = Type.Integer({ minimum: 0 });
const Short = Type.String({ minLength: 1, maxLength: 1024 });
const Id = Type.String({ minLength: 1, maxLength: 256 });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** InputAlert. The number of observables is bounded by `alert.maxObservables`, checked by the service. */
export const InputAlert = Type.Object({
  type: Short,
  source: Short,
  sourceRef: Short,
  title: Short,
  description: Type.String({ maxLength: 10_000_000 }),
  externalLink: Type.Optional(Type.String({ maxLength: 4096 })),
  severity: Type.Optional(Severity),
  date: Type.Optional(Date),
  tags: Type.Optional(Tags),
  flag: Type.Optional(Type.Boolean()),
  tlp: Type.Optional(Tlp),
  pap: Type.Optional(Pap),
  customFields: Type.Optional(CustomFieldsInput),
  summary: Type.Optional(Type.String({ maxLength: 1_000_000 })),
  status: Type.Optional(Type.String({ maxLength: 64 })),
  assignee: Type.Optional(Type.String({ maxLength: 256 })),
  caseTemplate: Type.Optional(Type.String({ maxLength: 256 })),
  observables: Type.Optional(Type.Array(InputObservable)),
  procedures: Type.Optional(Type.Array(InputProcedure, { maxItems: 1000 })),
});

export const InputUpdateAlert = Type.Object({
  type: Type.Optional(Short),
  source: Type.Optional(Short),
  sourceRef: Type.Optional(Short),
  externalLink: Type.Optional(Nullable(Type.String({ maxLength: 4096 }))),
  title: Type.Optional(Short),
  description: Type.Optional(Type.String({ maxLength: 10_000_000 })),
  severity: Type.Optional(Severity),
  date: Type.Optional(Date),
  lastSyncDate: Type.Optional(Date),
  tags: Type.Optional(Tags),
  flag: Type.Optional(Type.Boolean()),
  tlp: Type.Optional(Tlp),
  pap: Type.Optional(Pap),
  follow: Type.Optional(Type.Boolean()),
  customFields: Type.Optional(CustomFieldsInput),
  status: Type.Optional(Type.String({ maxLength: 64 })),
  summary: Type.Optional(Nullable(Type.String({ maxLength: 1_000_000 }))),
  assignee: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
  caseTemplate: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
  addTags: Type.Optional(Tags),
  removeTags: Type.Optional(Tags),
});

export const BulkUpdateAlert = Type.Intersect([InputUpdateAlert, Type.Object({ ids: Type.Array(Id, { minItems: 1, maxItems: 10_000 }) })]);

export const BulkDeleteAlert = Type.Object({ ids: Type.Array(Id, { minItems: 1, maxItems: 10_000 }) });

/** InputPromoteAlert: case fields overriding the alert's (every field of a new case but `access`, all optional). */
export const InputPromoteAlert = Type.Partial(Type.Omit(InputCase, ['access']));

/** `{caseId, alertIds}`; the number of alerts is bounded by `alert.maxBulkMerge`, checked by the service. */
export const BulkMergeAlert = Type.Object({ caseId: Id, alertIds: Type.Array(Id, { minItems: 1 }) });

function checker<T extends TSchema>(schema: T, what: string): (value: unknown) => Static<T> {
  const compiled = TypeCompiler.Compile(schema);
  return (value) => {
    if (compiled.Check(value)) return value;
    const errors = [...compiled.Errors(value)].slice(0, 10).map((e) => `body${e.path.replace(/\//g, '.')} ${e.message}`);
    throw new AttributeCheckingError(errors.join('; ') || `Invalid ${what}`, { errors });
  };
}

/** Validates an InputAlert (JSON body, or the `_json` part of a multipart body). */
export const checkInputAlert = checker(InputAlert, 'alert');
/** Validates an InputPromoteAlert; the body may be absent. */
export const checkPromoteAlert = checker(InputPromoteAlert, 'promotion');
