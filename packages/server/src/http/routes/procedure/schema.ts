import { Type } from '@sinclair/typebox';

const Date = Type.Integer({ minimum: 0 });
const PatternId = Type.String({ minLength: 1, maxLength: 64 });
const Tactic = Type.String({ maxLength: 128 });
const Description = Type.String({ maxLength: 1_000_000 });

export const InputProcedure = Type.Object({
  occurDate: Date,
  patternId: PatternId,
  tactic: Type.Optional(Tactic),
  description: Type.Optional(Description),
});

export const InputProcedures = Type.Object({ procedures: Type.Array(InputProcedure, { minItems: 1, maxItems: 1000 }) });

export const InputUpdateProcedure = Type.Object({
  occurDate: Type.Optional(Date),
  patternId: Type.Optional(PatternId),
  tactic: Type.Optional(Tactic),
  description: Type.Optional(Description),
});

export const BulkDeleteProcedures = Type.Object({ ids: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: 10_000 }) });
