import { Type, type TSchema } from '@sinclair/typebox';
import { CustomFieldsInput, InputTask } from '../case/schema.js';
import { InputPage } from '../page-template/schema.js';

const Tags = Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 1000 });
const Ids = Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 1000 });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

const fields = {
  displayName: Type.String({ maxLength: 1024 }),
  titlePrefix: Type.String({ maxLength: 1024 }),
  description: Type.String({ maxLength: 10_000_000 }),
  severity: Type.Integer({ minimum: 1, maximum: 4 }),
  tags: Tags,
  flag: Type.Boolean(),
  tlp: Type.Integer({ minimum: 0, maximum: 4 }),
  pap: Type.Integer({ minimum: 0, maximum: 3 }),
  summary: Type.String({ maxLength: 1_000_000 }),
  tasks: Type.Array(InputTask, { maxItems: 1000 }),
  pageTemplateIds: Ids,
  customFields: CustomFieldsInput,
};
const Name = Type.String({ minLength: 1, maxLength: 1024 });

export const InputCaseTemplate = Type.Object({
  name: Name,
  displayName: Type.Optional(fields.displayName),
  titlePrefix: Type.Optional(fields.titlePrefix),
  description: Type.Optional(fields.description),
  severity: Type.Optional(fields.severity),
  tags: Type.Optional(fields.tags),
  flag: Type.Optional(fields.flag),
  tlp: Type.Optional(fields.tlp),
  pap: Type.Optional(fields.pap),
  summary: Type.Optional(fields.summary),
  tasks: Type.Optional(fields.tasks),
  pageTemplateIds: Type.Optional(fields.pageTemplateIds),
  customFields: Type.Optional(fields.customFields),
});

export const InputUpdateCaseTemplate = Type.Object({
  name: Type.Optional(Name),
  displayName: Type.Optional(Nullable(fields.displayName)),
  titlePrefix: Type.Optional(Nullable(fields.titlePrefix)),
  description: Type.Optional(Nullable(fields.description)),
  severity: Type.Optional(Nullable(fields.severity)),
  tags: Type.Optional(Nullable(fields.tags)),
  flag: Type.Optional(Nullable(fields.flag)),
  tlp: Type.Optional(Nullable(fields.tlp)),
  pap: Type.Optional(Nullable(fields.pap)),
  summary: Type.Optional(Nullable(fields.summary)),
  tasks: Type.Optional(Nullable(fields.tasks)),
  pageTemplateIds: Type.Optional(Nullable(fields.pageTemplateIds)),
  customFields: Type.Optional(Nullable(fields.customFields)),
});

export const LinkPageTemplates = Type.Object({ pageTemplateIds: Ids });

/** The portable JSON produced by `GET /api/v1/caseTemplate/{id}/export`. */
export const ImportCaseTemplate = Type.Object({
  format: Type.Literal('waggle.caseTemplate'),
  version: Type.Literal(1),
  caseTemplate: Type.Object({
    name: Name,
    displayName: Type.Optional(fields.displayName),
    titlePrefix: Type.Optional(fields.titlePrefix),
    description: Type.Optional(fields.description),
    severity: Type.Optional(fields.severity),
    tags: Type.Optional(Tags),
    flag: Type.Optional(fields.flag),
    tlp: Type.Optional(fields.tlp),
    pap: Type.Optional(fields.pap),
    summary: Type.Optional(fields.summary),
    tasks: Type.Optional(fields.tasks),
    customFields: Type.Optional(
      Type.Array(Type.Object({ name: Type.String({ maxLength: 256 }), value: Type.Optional(Type.Unknown()), order: Type.Optional(Type.Integer()) }), {
        maxItems: 500,
      }),
    ),
    pages: Type.Optional(Type.Array(InputPage, { maxItems: 1000 })),
  }),
});

const Bool = Type.Optional(Type.Boolean());
const Selection = Type.Optional(Type.Union([Type.Boolean(), Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 1000 })]));

export const ApplyCaseTemplate = Type.Object({
  ids: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: 10_000 }),
  caseTemplate: Type.String({ minLength: 1, maxLength: 1024 }),
  updateTitlePrefix: Bool,
  updateDescription: Bool,
  updateTags: Bool,
  updateSeverity: Bool,
  updateFlag: Bool,
  updateTlp: Bool,
  updatePap: Bool,
  updateCustomFields: Bool,
  importTasks: Selection,
  importPages: Selection,
});
