/**
 * MISP event JSON -> Waggle alert (TheHive 4 mapping, see shared/reference/misp-and-feeders.md §3).
 * Accepts the API view (`{"Event": {...}}` or unwrapped), `{"response": [{"Event": ...}]}` and
 * feed files. Pure functions: no I/O, so feeders, the connector and case import share them.
 */
import { BadRequestError } from '../../errors/errors.js';

export interface MispAttribute {
  type: string;
  category?: string;
  value: string;
  comment?: string;
  to_ids?: boolean;
  uuid?: string;
  data?: string;
  deleted?: boolean;
  Tag?: Array<{ name: string }>;
}

export interface MispEvent {
  id?: string;
  uuid?: string;
  info: string;
  date?: string;
  threat_level_id?: string;
  timestamp?: string;
  publish_timestamp?: string;
  Orgc?: { name?: string };
  Tag?: Array<{ name: string }>;
  Attribute?: MispAttribute[];
  Object?: Array<{ name?: string; Attribute?: MispAttribute[] }>;
}

export interface MispObservable {
  dataType: string;
  data?: string;
  /** base64 content for file observables (attachment / malware-sample). */
  fileData?: { name: string; base64: string };
  message?: string;
  tags: string[];
  ioc: boolean;
  tlp: number;
}

export interface MispAlert {
  type: 'misp';
  source: string;
  sourceRef: string;
  title: string;
  description: string;
  severity: number;
  date: number;
  lastSyncDate?: number;
  tlp: number;
  pap: number;
  tags: string[];
  externalLink?: string;
  observables: MispObservable[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Finds the event in any of the shapes MISP and its feeds produce; throws BadRequest otherwise. */
export function extractEvent(json: unknown): MispEvent {
  let e: unknown = json;
  if (isObj(e) && Array.isArray(e.response)) e = e.response[0];
  if (isObj(e) && isObj(e.Event)) e = e.Event;
  if (!isObj(e) || typeof e.info !== 'string') throw new BadRequestError('Could not convert json to MISP event');
  return e as unknown as MispEvent;
}

/** MISP type (and category) -> TheHive observable data type, per TheHive 4's default mapping. */
export function mapType(type: string, category = ''): string {
  const t = type.toLowerCase();
  if (t === 'ip-src' || t === 'ip-dst') return 'ip';
  if (t === 'domain') return 'domain';
  if (t === 'hostname') return 'hostname';
  if (t === 'url' || t === 'uri' || t === 'link') return 'url';
  if (t === 'filename') return 'filename';
  if (t === 'regkey') return 'registry';
  if (
    /^(md5|sha1|sha224|sha256|sha384|sha512|sha512\/224|sha512\/256|ssdeep|imphash|pehash|impfuzzy|tlsh|authentihash|ja3-fingerprint-md5|hassh-md5)$/.test(t) ||
    t.startsWith('x509-fingerprint-')
  ) {
    return 'hash';
  }
  if (t === 'email-src' || t === 'email-dst') return category === 'Payload delivery' ? 'mail' : 'other';
  if (t === 'email-subject') return 'mail-subject';
  if (t === 'user-agent') return 'user-agent';
  if (t === 'as') return 'autonomous-system';
  if (t === 'attachment' || t === 'malware-sample') return 'file';
  return 'other';
}

const TLP_TAGS: Record<string, number> = { 'tlp:white': 0, 'tlp:clear': 0, 'tlp:green': 1, 'tlp:amber': 2, 'tlp:amber+strict': 3, 'tlp:red': 4 };

function tlpOf(tags: Array<{ name: string }> | undefined, def: number): number {
  for (const t of tags ?? []) {
    const v = TLP_TAGS[t.name.toLowerCase()];
    if (v !== undefined) return v;
  }
  return def;
}

function attributeToObservables(a: MispAttribute): MispObservable[] {
  if (a.deleted) return [];
  const types = a.type.split('|');
  const values = types.length > 1 ? a.value.split('|') : [a.value];
  const tags = [`misp.category="${a.category ?? ''}"`, `misp.type="${a.type}"`, ...(a.Tag ?? []).map((t) => t.name)];
  const base = { message: a.comment || undefined, tags, ioc: a.to_ids === true, tlp: tlpOf(a.Tag, 2) };
  return types.flatMap((t, i): MispObservable[] => {
    const dataType = mapType(t, a.category);
    const value = values[i] ?? a.value;
    if (dataType === 'file') {
      if (!a.data) return [];
      const name = t === 'malware-sample' ? `${value.split('|')[0]}.zip` : value;
      return [{ ...base, dataType, fileData: { name, base64: a.data } }];
    }
    if (!value) return [];
    return [{ ...base, dataType, data: value }];
  });
}

/**
 * Converts an event to an alert. `source` is the MISP organisation name of the connector's
 * API user (TheHive 4) or the server name; `mispUrl` gives the external link.
 */
export function eventToAlert(event: MispEvent, source: string, mispUrl?: string): MispAlert {
  const id = event.id ?? event.uuid ?? '';
  const level = Number(event.threat_level_id);
  const severity = level >= 1 && level <= 3 ? 4 - level : 2;
  const date = event.date && /^\d{4}-\d{2}-\d{2}$/.test(event.date) ? Date.parse(`${event.date}T00:00:00Z`) : Number(event.timestamp ?? 0) * 1000 || Date.now();
  const attrs = [...(event.Attribute ?? []), ...(event.Object ?? []).flatMap((o) => o.Attribute ?? [])];
  const seen = new Set<string>();
  const observables = attrs.flatMap(attributeToObservables).filter((o) => {
    const key = `${o.dataType}|${o.data ?? o.fileData?.name ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const orgc = event.Orgc?.name;
  return {
    type: 'misp',
    source,
    sourceRef: String(id),
    title: `#${id} ${event.info.trim()}`,
    description: `Imported from MISP Event #${id}, created at ${event.date ?? new Date(date).toISOString().slice(0, 10)}`,
    severity,
    date,
    ...(event.publish_timestamp && event.publish_timestamp !== '0' ? { lastSyncDate: Number(event.publish_timestamp) * 1000 } : {}),
    tlp: tlpOf(event.Tag, 2),
    pap: 2,
    tags: [...(orgc ? [`src:${orgc}`] : []), ...(event.Tag ?? []).map((t) => t.name)],
    ...(mispUrl && event.id ? { externalLink: `${mispUrl.replace(/\/+$/, '')}/events/${event.id}` } : {}),
    observables,
  };
}
