/**
 * Generators of malformed requests for the fuzz test, driven by a seeded PRNG so that a
 * failure is reproducible from its seed and index.
 */
import { Prng } from '../../packages/server/src/storage/conformance/prng.js';

export { Prng };

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Endpoint {
  method: Method;
  /** OpenAPI path, e.g. `/api/v1/case/{id}/task`. */
  path: string;
}

export interface FuzzRequest {
  kind: string;
  method: Method;
  url: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Needs a real socket (bodies over the limit). */
  socket?: boolean;
}

/** Plausible bodies per path, which the mutators then break. */
export function seedBody(path: string): Record<string, unknown> {
  if (path === '/api/v1/query') {
    return {
      query: [
        { _name: 'listCase' },
        { _name: 'filter', _eq: { _field: 'title', _value: 'x' } },
        { _name: 'sort', _fields: [{ _createdAt: 'desc' }] },
        { _name: 'page', from: 0, to: 10 },
      ],
    };
  }
  if (path === '/api/v1/case') return { title: 'fuzz', description: 'fuzz case', severity: 2, tags: ['a'], tlp: 2, pap: 2, customFields: { score: 1 } };
  if (path === '/api/v1/user') return { login: 'fuzzed@fuzz', name: 'fuzzed', profile: 'read-only', organisation: 'fuzz', password: 'pw' };
  if (path === '/api/v1/organisation') return { name: 'fuzz-org', description: 'x' };
  if (path === '/api/v1/profile') return { name: 'fuzz-profile', permissions: ['manageCase/create'] };
  if (path === '/api/v1/alert') {
    return { type: 'fuzz', source: 'fuzz', sourceRef: 'r1', title: 't', description: 'd', observables: [{ dataType: 'ip', data: '1.2.3.4' }] };
  }
  if (path === '/api/v1/customField') return { name: 'fuzzcf', displayName: 'F', description: 'x', type: 'string', options: [] };
  if (path === '/api/v1/caseTemplate') return { name: 'fuzz-template', description: 'x', tasks: [{ title: 't' }] };
  if (path === '/api/v1/observable/type') return { name: 'fuzz-type', isAttachment: false };
  if (path === '/api/v1/pageTemplate') return { title: 't', content: 'c', category: 'k' };
  if (path.endsWith('/task')) return { title: 'fuzz task', group: 'g', status: 'Waiting' };
  if (path.endsWith('/log')) return { message: 'fuzz log' };
  if (path.endsWith('/observable')) return { dataType: 'ip', data: ['1.2.3.4'], message: 'm', tlp: 2, ioc: false };
  if (path.endsWith('/comment')) return { message: 'fuzz comment' };
  if (path.endsWith('/page')) return { title: 'p', content: 'c', category: 'k' };
  if (path.endsWith('/procedure')) return { patternId: 'T1059', occurDate: 1700000000000, description: 'd' };
  if (path.endsWith('/customEvent')) return { date: 1700000000000, title: 't' };
  if (path.endsWith('/_bulk')) return { ids: ['~1', '~2'], title: 'x' };
  if (path.endsWith('/shares')) return { shares: [{ organisation: 'other', profile: 'analyst' }], organisations: ['other'] };
  if (path.endsWith('/access')) return { access: { _kind: 'UserAccessKind', users: ['x'] } };
  if (path.endsWith('/organisations')) return { organisations: [{ organisation: 'fuzz', profile: 'analyst', default: true }] };
  if (path.includes('/password/')) return { password: 'x', currentPassword: 'y' };
  if (path.includes('login')) return { user: 'nobody', password: 'x' };
  return { title: 'x', description: 'y', name: 'z', message: 'm' };
}

const BROKEN_JSON = [
  '{',
  '}',
  '[',
  '{"a":',
  '{"a":1,}',
  "{'a':1}",
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":1e999999}',
  '{"a":-}',
  '{"a":01}',
  '{"a":"\\x41"}',
  '{"a":"\\uZZZZ"}',
  '{"a":"unterminated}',
  '{"a" 1}',
  '{a:1}',
  '// comment\n{}',
  '\uFEFF{"a":1}',
  'null',
  'true',
  '42',
  '"just a string"',
  '[]',
  '[1,2,3]',
  '{"query":}',
  '{"query":[{"_name":"listCase"},]}',
  ' ',
  '\u0000',
  '{"a":"\u0000"}',
  '{"__proto__":',
];

const OPERATORS = [
  '_eq',
  '_ne',
  '_gt',
  '_lt',
  '_between',
  '_in',
  '_like',
  '_and',
  '_or',
  '_not',
  '_has',
  '_match',
  '_startsWith',
  '_id',
  '_any',
  '_string',
  '_parent',
  '_child',
  '_field',
  '_contains',
];
const WEIRD_OPERATORS = [
  '_nope',
  '$where',
  '$gt',
  '__proto__',
  'constructor',
  'prototype',
  '_eq ',
  '_EQ',
  '',
  '_',
  '_and_',
  'toString',
  'hasOwnProperty',
  '_name',
];
const FIELDS = [
  'title',
  'tags',
  'severity',
  '_createdAt',
  'customFields.score',
  'customFields.',
  'customFields.a b',
  'passwordHash',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__proto__.polluted',
  '',
  'a'.repeat(300),
  '../../etc/passwd',
  'title\u0000',
  '_parents.case',
  'doc',
  "title'; DROP TABLE e_case; --",
  'json_extract(doc)',
  'x"y',
];
const UNICODE = ['🐝', '\u202Eevil', '\u200B', 'ß', 'Ǆ', '\uFFFF', '\uFFFE', '𝕏', 'e\u0301', '中文', 'العربية', '\u0000', '\r\n', '\t'];
const TRAVERSAL = [
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '..%2f..%2fsecret.key',
  '%2e%2e%2f%2e%2e%2f',
  '..',
  '...',
  '%2E%2E',
  '..%5C..%5Cwindows',
  '%252e%252e%252f',
  '~1%2F..%2F..',
  '%00',
  '%00.json',
  'a%0D%0Ainjected:1',
  '%C0%AE%C0%AE%2F',
  'x'.repeat(1200),
  '~-1',
  '~99999999999999999999999',
  '0',
  '-1',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '%7B%7D',
  '*',
  '%20',
];

/** A random JSON value of random type and size. */
export function randomValue(r: Prng, depth = 0): unknown {
  switch (r.int(0, depth > 2 ? 6 : 9)) {
    case 0:
      return null;
    case 1:
      return r.bool();
    case 2:
      return r.pick([0, -1, 1.5, 2 ** 53 + 1, -(2 ** 63), 1e308, -0, 4, 99999999999]);
    case 3:
      return r.pick(['', ' ', 'x', '1', 'true', 'null', '~1', '2024-01-01', ...UNICODE, 'x'.repeat(r.int(100, 5000))]);
    case 4:
      return r.pick(UNICODE).repeat(r.int(1, 50));
    case 5:
      return r.pick(FIELDS);
    case 6:
      return String(r.int(-10, 10));
    case 7:
      return Array.from({ length: r.int(0, 5) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      // defineProperty: an own "__proto__" key, as JSON.parse would make, not a prototype change
      for (let i = r.int(0, 4); i > 0; i--) {
        Object.defineProperty(o, r.pick([...FIELDS, 'a', 'b', '_field', '_value']), {
          value: randomValue(r, depth + 1),
          enumerable: true,
          configurable: true,
          writable: true,
        });
      }
      return o;
    }
  }
}

/** A random (often invalid) filter object. */
export function randomFilter(r: Prng, depth = 0): unknown {
  if (depth > 4 || r.bool(0.3)) {
    const op = r.bool(0.8) ? r.pick(OPERATORS) : r.pick(WEIRD_OPERATORS);
    const shape = r.int(0, 4);
    const arg =
      shape === 0
        ? { _field: r.pick(FIELDS), _value: randomValue(r) }
        : shape === 1
          ? (JSON.parse(`{${JSON.stringify(r.pick(FIELDS))}:${JSON.stringify(randomValue(r)) ?? 'null'}}`) as unknown)
          : shape === 2
            ? { _field: r.pick(FIELDS), _values: randomValue(r), _from: randomValue(r), _to: randomValue(r) }
            : randomValue(r);
    return JSON.parse(`{${JSON.stringify(op)}:${JSON.stringify(arg) ?? 'null'}}`) as unknown;
  }
  const op = r.pick(['_and', '_or', '_not', r.pick(WEIRD_OPERATORS)]);
  if (op === '_not') return { _not: randomFilter(r, depth + 1) };
  return JSON.parse(`{${JSON.stringify(op)}:${JSON.stringify(Array.from({ length: r.int(0, 3) }, () => randomFilter(r, depth + 1)))}}`) as unknown;
}

/** A random Query API body: operation chains with random names, filters, sorts and pages. */
export function randomQuery(r: Prng): unknown {
  const names = [
    'listCase',
    'getCase',
    'listUser',
    'listOrganisation',
    'listAlert',
    'listObservable',
    'listTask',
    'tasks',
    'observables',
    'case',
    'filter',
    'sort',
    'page',
    'count',
    'nope',
    'listNope',
    'getX',
    '__proto__',
    'constructor',
    '',
  ];
  const steps = Array.from({ length: r.int(0, 6) }, () => {
    const name = r.pick(names);
    const step: Record<string, unknown> = { _name: r.bool(0.95) ? name : randomValue(r) };
    if (name === 'filter') Object.assign(step, randomFilter(r));
    if (name === 'sort') step._fields = r.bool(0.7) ? [{ [r.pick(FIELDS)]: r.pick(['asc', 'desc', 'up', 1]) }] : randomValue(r);
    if (name === 'page') Object.assign(step, { from: randomValue(r), to: randomValue(r), extraData: randomValue(r) });
    if (name.startsWith('get')) step.idOrName = randomValue(r);
    return step;
  });
  return r.bool(0.9) ? { query: steps, ...(r.bool(0.2) ? { excludeFields: randomValue(r) } : {}) } : randomValue(r);
}

/** `depth` levels of nesting, as JSON text built without recursion. */
export function deepJson(kind: 'array' | 'object' | 'not', depth: number): string {
  if (kind === 'array') return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
  if (kind === 'object') return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  return `{"query":[{"_name":"listCase"},{"_name":"filter",${'"_not":{'.repeat(depth)}"_eq":{"_field":"title","_value":"x"}${'}'.repeat(depth)}}]}`;
}

/** Replaces some values of `body` (at any depth) with random ones. */
export function mutate(r: Prng, body: unknown, n: number): unknown {
  const copy = JSON.parse(JSON.stringify(body)) as unknown;
  for (let i = 0; i < n; i++) {
    let cur = copy;
    for (let d = 0; d < 4; d++) {
      if (typeof cur !== 'object' || cur === null) break;
      const keys = Object.keys(cur);
      if (keys.length === 0) break;
      const k = r.pick(keys);
      const child = (cur as Record<string, unknown>)[k];
      if (typeof child !== 'object' || child === null || r.bool(0.5)) {
        (cur as Record<string, unknown>)[k] = randomValue(r);
        break;
      }
      cur = child;
    }
  }
  return copy;
}

export function traversal(r: Prng): string {
  return r.pick(TRAVERSAL);
}

export function multipart(r: Prng, withJson: unknown): { payload: Buffer; contentType: string } {
  const boundary = r.bool(0.9) ? `----fuzz${r.int(0, 1e9)}` : r.pick(['', '"', 'a'.repeat(100), '--', ' ']);
  const names = [
    '../../../../tmp/waggle-fuzz-pwned',
    '..\\..\\x.txt',
    '/etc/passwd',
    'a\u0000b',
    '....//x',
    '.',
    '..',
    '',
    '🐝.txt',
    'x'.repeat(1000),
    'file"; name="_json',
    'C:\\Windows\\x.ini',
    '%2e%2e%2fx',
  ];
  const parts: Buffer[] = [];
  if (r.bool(0.7)) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_json"\r\n\r\n${r.bool(0.8) ? JSON.stringify(withJson) : r.pick(BROKEN_JSON)}\r\n`),
    );
  }
  for (let i = r.int(0, 3); i > 0; i--) {
    const field = r.pick(['attachments', 'attachment', 'file', '_json', 'x', '']);
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${r.pick(names)}"\r\nContent-Type: ${r.pick(['text/html', 'application/octet-stream', 'image/svg+xml', ''])}\r\n\r\n`,
      ),
      Buffer.from(`<script>${i}</script>`),
      Buffer.from('\r\n'),
    );
  }
  if (r.bool(0.85)) parts.push(Buffer.from(`--${boundary}--\r\n`));
  if (r.bool(0.1)) parts.push(Buffer.from('garbage after the end'));
  return {
    payload: Buffer.concat(parts),
    contentType: r.bool(0.9)
      ? `multipart/form-data; boundary=${boundary}`
      : r.pick(['multipart/form-data', 'multipart/mixed; boundary=x', 'multipart/form-data; boundary=']),
  };
}

export const brokenJson = (r: Prng): string => r.pick(BROKEN_JSON);
export const unicodeString = (r: Prng): string => Array.from({ length: r.int(1, 20) }, () => r.pick(UNICODE)).join('');
