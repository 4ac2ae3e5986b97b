import { Type } from '@sinclair/typebox';

export const InputAnalyzerJob = Type.Object({
  analyzerId: Type.String({ minLength: 1 }),
  cortexId: Type.Optional(Type.String()),
  artifactId: Type.String({ minLength: 1 }),
  parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

export const InputBulkJobs = Type.Object({ jobs: Type.Array(InputAnalyzerJob, { maxItems: 1000 }) });

export const InputResponderAction = Type.Object({
  responderId: Type.String({ minLength: 1 }),
  cortexId: Type.Optional(Type.String()),
  objectType: Type.String({ minLength: 1 }),
  objectId: Type.String({ minLength: 1 }),
  parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  tlp: Type.Optional(Type.Integer({ minimum: 0, maximum: 4 })),
});

/** Which artifacts of the job's report to import (indexes); all when absent. */
export const InputImportArtifacts = Type.Union([
  Type.Object({ artifacts: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 10_000 })) }),
  Type.Null(),
]);
