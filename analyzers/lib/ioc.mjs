// Indicator extraction from text: IPs (v4, v6), domains, URLs, hashes and e-mail addresses,
// including defanged forms (hxxp://, example[.]com, user[@]example.com, 1.2.3[.]4).
import { isIPv4, isIPv6 } from 'node:net';

const FILE_EXTENSIONS = new Set(
  'exe dll sys pdf doc docx docm xls xlsx xlsm ppt pptx txt rtf zip rar 7z gz tgz tar js vbs ps1 bat cmd sh py php html htm json xml eml msg png jpg jpeg gif bmp svg ico iso img lnk jar hta scr csv log tmp dat bin cfg ini css md'.split(
    ' ',
  ),
);

/** Undoes the usual defanging so that indicators can be matched. */
export function refang(text) {
  return text
    .replace(/\bhxxp(s?)/gi, 'http$1')
    .replace(/\bfxp\b/gi, 'ftp')
    .replace(/\[:\/\/\]/g, '://')
    .replace(/\[(?:\.|dot)\]|\((?:\.|dot)\)|\{(?:\.|dot)\}|\s\[dot\]\s|\s\(dot\)\s/gi, '.')
    .replace(/\[(?:@|at)\]|\((?:@|at)\)|\{(?:@|at)\}|\s\[at\]\s|\s\(at\)\s/gi, '@')
    .replace(/\[:\]/g, ':');
}

const URL_RE = /\b(?:https?|ftp):\/\/[^\s"'<>()[\]{}\\^`|]+/gi;
const MAIL_RE = /\b[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\b/g;
const IPV4_RE = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.]*\d)/g;
const IPV6_RE = /(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Fa-f:])/g;
const HASH_RE = /\b(?:[A-Fa-f0-9]{128}|[A-Fa-f0-9]{64}|[A-Fa-f0-9]{40}|[A-Fa-f0-9]{32})\b/g;
const DOMAIN_RE = /\b(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\b/g;

function trimUrl(u) {
  return u.replace(/[.,;:!?'")\]]+$/, '');
}

/** Every indicator found in `text`, deduplicated, by Cortex data type. */
export function extract(text) {
  const clean = refang(text);
  const found = { url: new Set(), mail: new Set(), ip: new Set(), hash: new Set(), domain: new Set() };
  for (const m of clean.matchAll(URL_RE)) found.url.add(trimUrl(m[0]));
  for (const m of clean.matchAll(MAIL_RE)) found.mail.add(m[0]);
  for (const m of clean.matchAll(IPV4_RE)) if (isIPv4(m[0])) found.ip.add(m[0]);
  for (const m of clean.matchAll(IPV6_RE)) if (m[0].includes('::') || m[0].split(':').length === 8) if (isIPv6(m[0])) found.ip.add(m[0].toLowerCase());
  for (const m of clean.matchAll(HASH_RE)) found.hash.add(m[0].toLowerCase());
  const hosts = new Set();
  for (const u of found.url) {
    try {
      hosts.add(new URL(u).hostname.toLowerCase());
    } catch {
      // not a URL after all
    }
  }
  for (const m of clean.matchAll(DOMAIN_RE)) {
    const d = m[0].toLowerCase();
    const tld = d.slice(d.lastIndexOf('.') + 1);
    if (FILE_EXTENSIONS.has(tld) || /^\d+$/.test(tld)) continue;
    found.domain.add(d);
  }
  for (const h of hosts) if (!isIPv4(h) && !h.startsWith('[')) found.domain.add(h);
  return Object.fromEntries(Object.entries(found).map(([k, v]) => [k, [...v].sort()]));
}
