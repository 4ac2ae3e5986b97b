#!/usr/bin/env node
// Waggle built-in analyzer: hashes, type by magic bytes, size and Shannon entropy of a file.
import { createHash } from 'node:crypto';
import { run, taxonomy } from '../lib/cortex.mjs';

const MAGIC = [
  { type: 'PE32 executable (MZ)', mime: 'application/vnd.microsoft.portable-executable', test: (b) => b[0] === 0x4d && b[1] === 0x5a },
  { type: 'ELF executable', mime: 'application/x-executable', test: (b) => b.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46])) },
  {
    type: 'Mach-O executable',
    mime: 'application/x-mach-binary',
    test: (b) => [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe].includes(b.length >= 4 ? b.readUInt32BE(0) : -1),
  },
  { type: 'PDF document', mime: 'application/pdf', test: (b) => b.subarray(0, 5).toString('latin1') === '%PDF-' },
  { type: 'ZIP archive (or OOXML/JAR/APK)', mime: 'application/zip', test: (b) => b[0] === 0x50 && b[1] === 0x4b && (b[2] === 3 || b[2] === 5 || b[2] === 7) },
  {
    type: 'OLE2 compound document (MS Office 97-2003)',
    mime: 'application/x-ole-storage',
    test: (b) => b.subarray(0, 8).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])),
  },
  { type: 'RAR archive', mime: 'application/vnd.rar', test: (b) => b.subarray(0, 4).toString('latin1') === 'Rar!' },
  { type: '7-zip archive', mime: 'application/x-7z-compressed', test: (b) => b.subarray(0, 6).equals(Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) },
  { type: 'gzip compressed data', mime: 'application/gzip', test: (b) => b[0] === 0x1f && b[1] === 0x8b },
  { type: 'PNG image', mime: 'image/png', test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { type: 'JPEG image', mime: 'image/jpeg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: 'GIF image', mime: 'image/gif', test: (b) => /^GIF8[79]a/.test(b.subarray(0, 6).toString('latin1')) },
  { type: 'RTF document', mime: 'application/rtf', test: (b) => b.subarray(0, 5).toString('latin1') === '{\\rtf' },
  { type: 'Windows shortcut (LNK)', mime: 'application/x-ms-shortcut', test: (b) => b.length >= 4 && b.readUInt32LE(0) === 0x4c },
  { type: 'Java class file', mime: 'application/java-vm', test: (b) => b.length >= 4 && b.readUInt32BE(0) === 0xcafebabe },
  { type: 'shell script', mime: 'text/x-shellscript', test: (b) => b.subarray(0, 2).toString('latin1') === '#!' },
  { type: 'HTML document', mime: 'text/html', test: (b) => /^\s*<(!doctype html|html|head|body)/i.test(b.subarray(0, 512).toString('latin1')) },
  {
    type: 'e-mail message (RFC 822)',
    mime: 'message/rfc822',
    test: (b) =>
      /^(Received|Return-Path|From|Delivered-To|Message-ID|MIME-Version|Date|Subject):/im.test(
        b
          .subarray(0, 2048)
          .toString('latin1')
          .split(/\r?\n\r?\n/)[0] ?? '',
      ),
  },
];

export function fileType(buf) {
  for (const m of MAGIC) if (buf.length >= 2 && m.test(buf)) return { type: m.type, mime: m.mime };
  if (buf.length === 0) return { type: 'empty', mime: 'application/x-empty' };
  const sample = buf.subarray(0, 4096);
  const text = sample.every((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c !== 127));
  if (text) return { type: 'ASCII text', mime: 'text/plain' };
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample);
    return { type: 'UTF-8 text', mime: 'text/plain' };
  } catch {
    return { type: 'data', mime: 'application/octet-stream' };
  }
}

export function entropy(buf) {
  if (buf.length === 0) return 0;
  const counts = new Array(256).fill(0);
  for (const c of buf) counts[c]++;
  let h = 0;
  for (const n of counts) if (n) h -= (n / buf.length) * Math.log2(n / buf.length);
  return Math.round(h * 1000) / 1000;
}

await run((j) => {
  if (!j.filePath) j.error('FileInfo needs a file observable');
  const buf = j.readFile();
  const hashes = Object.fromEntries(['md5', 'sha1', 'sha256', 'sha512'].map((a) => [a, createHash(a).update(buf).digest('hex')]));
  const { type, mime } = fileType(buf);
  const h = entropy(buf);
  const full = { filename: j.filename, size: buf.length, type, mimetype: mime, entropy: h, hashes };
  const level = h > 7.2 ? 'suspicious' : 'info';
  const taxonomies = [
    taxonomy('info', 'FileInfo', 'Filetype', type),
    taxonomy('info', 'FileInfo', 'Size', buf.length),
    taxonomy(level, 'FileInfo', 'Entropy', h),
  ];
  j.report(
    full,
    taxonomies,
    Object.values(hashes).map((data) => ({ dataType: 'hash', data, message: `hash of ${j.filename}` })),
  );
});
