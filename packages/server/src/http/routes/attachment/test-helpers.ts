/**
 * Test helpers for file endpoints: multipart bodies shaped like Python `requests` sends them
 * (binary-safe), and raw downloads. Used by the attachment and observable route tests.
 */
import type { LightMyRequestResponse } from 'fastify';
import type { Creds, TestWaggle } from '../../../test/support.js';

export interface Part {
  name: string;
  /** A file part when set (`filename="..."`). */
  filename?: string;
  contentType?: string;
  content: string | Buffer;
}

export interface RawRes {
  status: number;
  /** Parsed JSON, when the body is JSON. */
  json: unknown;
  bytes: Buffer;
  headers: Record<string, unknown>;
}

export function multipartBody(parts: Part[]): { payload: Buffer; contentType: string } {
  const boundary = `----waggle${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}\r\n`;
    if (p.contentType) head += `Content-Type: ${p.contentType}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.isBuffer(p.content) ? p.content : Buffer.from(p.content), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

function headersOf(creds: Creds): Record<string, string> {
  return {
    authorization: `Basic ${Buffer.from(`${creds.login}:${creds.password}`).toString('base64')}`,
    ...(creds.org ? { 'x-organisation': creds.org } : {}),
  };
}

/** A raw inject response as status, parsed JSON (when JSON), bytes and headers. */
export function toRaw(r: LightMyRequestResponse): RawRes {
  let json: unknown;
  try {
    json = JSON.parse(r.body);
  } catch {
    json = undefined;
  }
  return { status: r.statusCode, json, bytes: r.rawPayload, headers: r.headers };
}

export async function postMultipart(t: TestWaggle, creds: Creds, url: string, parts: Part[]): Promise<RawRes> {
  const m = multipartBody(parts);
  return toRaw(await t.running.app.inject({ method: 'POST', url, headers: { ...headersOf(creds), 'content-type': m.contentType }, payload: m.payload }));
}

export async function getRaw(t: TestWaggle, creds: Creds, url: string): Promise<RawRes> {
  return toRaw(await t.running.app.inject({ method: 'GET', url, headers: headersOf(creds) }));
}
