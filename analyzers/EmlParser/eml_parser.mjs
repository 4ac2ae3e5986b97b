#!/usr/bin/env node
// Waggle built-in analyzer: parses an e-mail (.eml): headers, relay hops, bodies, and returns
// attachments as file artifacts, addresses and body indicators as artifacts.
import { run, taxonomy } from '../lib/cortex.mjs';
import { walk, header, headerAll } from '../lib/mime.mjs';
import { extract } from '../lib/ioc.mjs';

function addresses(v = '') {
  return [...v.matchAll(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g)].map((m) => m[0].toLowerCase());
}

function hop(received, i) {
  const from = /\bfrom\s+(\S+)/i.exec(received)?.[1];
  const by = /\bby\s+(\S+)/i.exec(received)?.[1];
  const ip = /\[((?:\d{1,3}\.){3}\d{1,3}|[0-9a-f:]+)\]/i.exec(received)?.[1];
  const date = received.includes(';') ? received.slice(received.lastIndexOf(';') + 1).trim() : undefined;
  return { hop: i + 1, from, by, ip, date, raw: received };
}

await run((j) => {
  if (!j.filePath) j.error('EmlParser needs a file observable');
  const raw = j.readFile();
  const bodies = [];
  const attachments = [];
  const headers = walk(raw, (part) => {
    if (part.filename || part.disposition === 'attachment') attachments.push(part);
    else if (part.contentType.startsWith('text/'))
      bodies.push({
        contentType: part.contentType,
        text: part.content.toString(part.params.charset && /^(latin1|iso-8859-1|us-ascii)$/i.test(part.params.charset) ? 'latin1' : 'utf8'),
      });
  });
  // hops in chronological order: the last Received header is the first hop
  const hops = headerAll(headers, 'received').reverse().map(hop);
  const from = header(headers, 'from') ?? '';
  const replyTo = header(headers, 'reply-to');
  const subject = header(headers, 'subject') ?? '';
  const full = {
    subject,
    from,
    to: header(headers, 'to') ?? '',
    cc: header(headers, 'cc') ?? '',
    replyTo: replyTo ?? null,
    date: header(headers, 'date') ?? null,
    messageId: header(headers, 'message-id') ?? null,
    headers: headers.map((h) => ({ name: h.name, value: h.value })),
    hops,
    bodies,
    attachments: attachments.map((a) => ({ filename: a.filename ?? 'attachment', contentType: a.contentType, size: a.content.length })),
  };
  const artifacts = [];
  for (const a of attachments)
    artifacts.push(j.fileArtifact(a.filename ?? 'attachment', a.content, { contentType: a.contentType, message: `attachment of ${subject}` }));
  const mails = new Set([...addresses(from), ...addresses(full.to), ...addresses(full.cc), ...addresses(replyTo)]);
  for (const m of mails) artifacts.push({ dataType: 'mail', data: m, message: 'address of the e-mail' });
  if (subject) artifacts.push({ dataType: 'mail-subject', data: subject });
  for (const h of hops) if (h.ip) artifacts.push({ dataType: 'ip', data: h.ip, message: `relay hop ${h.hop}`, tags: ['eml-hop'] });
  const iocs = extract(bodies.map((b) => b.text).join('\n'));
  for (const url of iocs.url) artifacts.push({ dataType: 'url', data: url, message: 'in the body' });
  const fromDomain = addresses(from)[0]?.split('@')[1];
  const replyDomain = addresses(replyTo)[0]?.split('@')[1];
  const taxonomies = [taxonomy('info', 'EmlParser', 'Attachments', attachments.length), taxonomy('info', 'EmlParser', 'Hops', hops.length)];
  if (replyDomain && fromDomain && replyDomain !== fromDomain)
    taxonomies.push(taxonomy('suspicious', 'EmlParser', 'ReplyTo', `differs from sender (${replyDomain})`));
  j.report(full, taxonomies, artifacts);
});
