/** Sending a file: always as a download (`attachment`), never inline, never sniffed. */
import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { contentDisposition } from '../../../services/attachment.service.js';

export function sendDownload(reply: FastifyReply, name: string, stream: Readable, size?: number): FastifyReply {
  void reply
    .header('Content-Type', 'application/octet-stream')
    .header('Content-Disposition', contentDisposition(name))
    .header('X-Content-Type-Options', 'nosniff')
    .header('Content-Security-Policy', "default-src 'none'; sandbox");
  if (size !== undefined && Number.isFinite(size) && size >= 0) void reply.header('Content-Length', String(size));
  return reply.status(200).send(stream);
}
