/**
 * Reading and answering an observable creation request, shared by the case and alert routes:
 * JSON InputObservable, or multipart with `_json` plus file parts (`attachment`, or the parts
 * the JSON names), and TheHive's 201 / 207 / 400 answers.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../../services/index.js';
import type { CreateObservablesResult, ObservableInput } from '../../../services/observable.service.js';
import type { StoredFile } from '../../../services/attachment.service.js';
import { isMultipart, readMultipart } from '../../multipart.js';
import { CreateError } from '../../../errors/errors.js';
import { checkInputObservable } from './schema.js';

/** The InputObservable and its files. Files are streamed into the BlobStore. */
export async function readObservableRequest(req: FastifyRequest, s: Services): Promise<{ input: ObservableInput; files: StoredFile[] }> {
  if (!isMultipart(req)) return { input: checkInputObservable(req.body ?? {}), files: [] };
  const mp = await readMultipart(req, s.blobs);
  const input: ObservableInput = checkInputObservable(mp.json ?? {});
  const files = input.attachment === undefined ? mp.files.filter((f) => f.field === 'attachment') : mp.files;
  return { input, files };
}

/** 201 + list when all succeeded, 207 `{success, failure}` on partial failure, 400 CreateError when all failed. */
export async function sendObservableResult(reply: FastifyReply, s: Services, r: CreateObservablesResult): Promise<FastifyReply> {
  const success = r.success.map((d) => s.observables.render(d));
  if (r.failure.length === 0) return reply.status(201).send(success);
  if (success.length === 0) throw new CreateError(r.failure[0]!.message, { failure: r.failure });
  return reply.status(207).send({ success, failure: r.failure });
}
