/**
 * Sending a user file (attachments, file observables, alert files, case archives, Cortex
 * datastore files): always as a download (`attachment`), never inline, never sniffed, and
 * sandboxed should a browser render it anyway (stored XSS through uploads, CVE-2024-22876).
 */
import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { contentDisposition } from '../../../services/attachment.service.js';

/** The headers every user-file download carries, whatever its stored content type. */
export function downloadHeaders(name: string): Record<string, string> {
  return {
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': contentDisposition(name),
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Cache-Control': 'private, no-store',
  };
}

export function sendDownload(reply: FastifyReply, name: string, body: Readable | Buffer, size?: number): FastifyReply {
  void reply.headers(downloadHeaders(name));
  if (size !== undefined && Number.isFinite(size) && size >= 0) void reply.header('Content-Length', String(size));
  return reply.status(200).send(body);
}
