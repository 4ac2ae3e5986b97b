import { Type } from '@sinclair/typebox';

export const UserType = Type.Union([Type.Literal('Normal'), Type.Literal('Service')]);

export const InputUser = Type.Object({
  login: Type.String({ minLength: 1, maxLength: 128 }),
  name: Type.String({ minLength: 1, maxLength: 512 }),
  profile: Type.String({ minLength: 1, maxLength: 128 }),
  email: Type.Optional(Type.String({ maxLength: 512 })),
  password: Type.Optional(Type.String({ maxLength: 1024 })),
  organisation: Type.Optional(Type.String({ maxLength: 256 })),
  type: Type.Optional(UserType),
  avatar: Type.Optional(Type.String({ maxLength: 1_000_000 })),
});

export const InputUpdateUser = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  organisation: Type.Optional(Type.String({ maxLength: 256 })),
  profile: Type.Optional(Type.String({ maxLength: 128 })),
  locked: Type.Optional(Type.Boolean()),
  avatar: Type.Optional(Type.String({ maxLength: 1_000_000 })),
  email: Type.Optional(Type.String({ maxLength: 512 })),
  defaultOrganisation: Type.Optional(Type.String({ maxLength: 256 })),
  type: Type.Optional(UserType),
});

export const SetOrganisations = Type.Object({
  organisations: Type.Array(
    Type.Object({ organisation: Type.String({ minLength: 1 }), profile: Type.String({ minLength: 1 }), default: Type.Optional(Type.Boolean()) }),
    { maxItems: 1000 },
  ),
});

export const SetPassword = Type.Object({ password: Type.String({ minLength: 1, maxLength: 1024 }) });
export const ChangePassword = Type.Object({ password: Type.String({ minLength: 1, maxLength: 1024 }), currentPassword: Type.String({ maxLength: 1024 }) });
