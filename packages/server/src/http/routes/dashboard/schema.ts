import { Type } from '@sinclair/typebox';

/** Shapes only; the service validates the definition deeply and names the bad field (`widgets[2].aggregation.field: ...`). */
export const InputDashboard = Type.Object({
  title: Type.String({ minLength: 1, maxLength: 512 }),
  description: Type.Optional(Type.String({ maxLength: 10_000 })),
  status: Type.Optional(Type.String({ description: 'Private (default) or Shared; lower case accepted' })),
  definition: Type.Optional(Type.Unknown({ description: 'widgets, period, timeZone (object, or a JSON string as TheHive stored it)' })),
});

export const InputUpdateDashboard = Type.Object({
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  description: Type.Optional(Type.String({ maxLength: 10_000 })),
  status: Type.Optional(Type.String()),
  definition: Type.Optional(Type.Unknown()),
});

export const InputStats = Type.Object(
  {
    entity: Type.String({ description: 'case, alert, observable, task, log, job, action' }),
    filter: Type.Optional(Type.Unknown({ description: 'a Query API filter' })),
    period: Type.Optional(Type.Unknown({ description: 'last7Days, last30Days, last90Days, all or {from, to}' })),
    dateField: Type.Optional(Type.String()),
    timeZone: Type.Optional(Type.String()),
    aggregation: Type.Unknown({ description: 'count, terms, histogram, sum/avg/min/max or filter, nested with aggs' }),
  },
  { additionalProperties: false },
);
