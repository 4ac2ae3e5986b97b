import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { AttributeCheckingError } from '../../../errors/errors.js';
import { InputShare } from '../share/schema.js';

export const ExportQuery = Type.Object({ password: Type.String({ minLength: 1, maxLength: 1024 }) });

export const InputImportCase = Type.Object({
  password: Type.String({ minLength: 1, maxLength: 1024 }),
  sharingParameters: Type.Optional(Type.Array(InputShare, { maxItems: 100 })),
  taskRule: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  observableRule: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});

const importCheck = TypeCompiler.Compile(InputImportCase);

/** Validates the `_json` part of an import (multipart bodies bypass route schemas). */
export function checkInputImportCase(value: unknown): Static<typeof InputImportCase> {
  if (importCheck.Check(value)) return value;
  const errors = [...importCheck.Errors(value)].slice(0, 10).map((e) => `_json${e.path.replace(/\//g, '.')} ${e.message}`);
  throw new AttributeCheckingError(errors.join('; ') || 'Invalid import request', { errors });
}
