import { Type } from '@sinclair/typebox';

const LinkType = Type.String({ minLength: 1, maxLength: 128 });

export const InputCaseLink = Type.Object({ type: LinkType, caseId: Type.String({ minLength: 1, maxLength: 256 }) });
export const InputUrlLink = Type.Object({ type: LinkType, url: Type.String({ minLength: 1, maxLength: 4096 }) });
