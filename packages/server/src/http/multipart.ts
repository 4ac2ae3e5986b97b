/**
 * Reads a multipart request the way TheHive's clients send it: a `_json` part (plain field,
 * or a file part named `_json`) holding the JSON body, other plain fields, and file parts.
 * Files are streamed straight into the BlobStore; nothing is buffered whole in memory.
 */
import type { FastifyRequest } from 'fastify';
import type { StoredFile } from '../services/attachment.service.js';
import { safeFileName } from '../services/attachment.service.js';
import type { BlobStore } from '../storage/blob-store.js';
import { BadRequestError, PayloadTooLargeError } from '../errors/errors.js';
import { jsonErrorMessage } from './error-handler.js';

export interface MultipartBody {
  /** Parsed `_json` part, or undefined. */
  json: unknown;
  fields: Record<string, string>;
  files: StoredFile[];
}

export function isMultipart(req: FastifyRequest): boolean {
  return (req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/');
}

export async function readMultipart(req: FastifyRequest, blobs: BlobStore): Promise<MultipartBody> {
  if (!isMultipart(req)) throw new BadRequestError('Expected a multipart/form-data body');
  const out: MultipartBody = { json: undefined, fields: {}, files: [] };
  let jsonText: string | undefined;
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (part.fieldname === '_json') {
          jsonText = (await part.toBuffer()).toString('utf8');
          continue;
        }
        const info = await blobs.put(part.file);
        if (part.file.truncated) throw new PayloadTooLargeError(`File ${safeFileName(part.filename)} is larger than the upload limit`);
        out.files.push({
          field: part.fieldname,
          filename: safeFileName(part.filename),
          contentType: part.mimetype || 'application/octet-stream',
          sha256: info.sha256,
          size: info.size,
        });
      } else {
        const value = typeof part.value === 'string' ? part.value : String(part.value);
        if (part.fieldname === '_json') jsonText = value;
        else out.fields[part.fieldname] = value;
      }
    }
  } catch (e) {
    if (e instanceof BadRequestError || e instanceof PayloadTooLargeError) throw e;
    const code = (e as { code?: string; statusCode?: number }).code ?? '';
    if (code === 'FST_REQ_FILE_TOO_LARGE' || code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') {
      throw new PayloadTooLargeError((e as Error).message);
    }
    throw new BadRequestError(`Malformed multipart body: ${(e as Error).message}`);
  }
  if (jsonText !== undefined) {
    try {
      out.json = JSON.parse(jsonText);
    } catch (e) {
      throw new BadRequestError(`Invalid JSON in the _json part: ${jsonErrorMessage(e)}`);
    }
  }
  return out;
}
