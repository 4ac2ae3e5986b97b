import { Type } from '@sinclair/typebox';

const Name = Type.String({ minLength: 1, maxLength: 256 });
const Rule = Type.String({ minLength: 1, maxLength: 64 });

export const InputShare = Type.Object({
  organisation: Name,
  share: Type.Optional(Type.Boolean()),
  profile: Type.Optional(Name),
  taskRule: Type.Optional(Rule),
  observableRule: Type.Optional(Rule),
});

export const InputShares = Type.Object({ shares: Type.Array(InputShare, { maxItems: 100 }) });

export const InputOrganisations = Type.Object({ organisations: Type.Array(Name, { maxItems: 100 }) });

export const InputUpdateShare = Type.Object({ profile: Name });

export const InputOwner = Type.Object({
  organisation: Name,
  keepProfile: Type.Optional(Name),
  taskRule: Type.Optional(Rule),
  observableRule: Type.Optional(Rule),
});

export const InputAccess = Type.Object({
  access: Type.Object({
    _kind: Type.String({ minLength: 1, maxLength: 64 }),
    users: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 1000 })),
  }),
});
