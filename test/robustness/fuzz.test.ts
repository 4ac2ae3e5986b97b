/**
 * Malformed-input fuzz test: thousands of generated bad requests (seeded, reproducible: set
 * WAGGLE_FUZZ_SEED and WAGGLE_FUZZ_COUNT to replay) against the Query API and every create or
 * update endpoint the server has, discovered from GET /api/openapi.json: malformed JSON, wrong
 * types, unknown operators, 10k-level nesting, huge arrays, bodies over the limit (on a real
 * socket), wrong content types, invalid UTF-8, unicode, prototype-pollution keys, traversal in
 * path parameters and multipart file names.
 *
 * Every answer must be < 500, and every 4xx a JSON `{type, message}`. Afterwards the server
 * still answers, the data of another organisation is intact and Object.prototype is clean.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { existsSync } from 'node:fs';
import { testWaggle, type TestWaggle, type TestOrg } from '../../packages/server/src/test/support.js';
import {
  Prng,
  brokenJson,
  deepJson,
  multipart,
  mutate,
  randomQuery,
  randomValue,
  seedBody,
  traversal,
  unicodeString,
  type Endpoint,
  type FuzzRequest,
  type Method,
} from './fuzz-gen.js';

const SEED = Number(process.env.WAGGLE_FUZZ_SEED ?? 20240611);
const COUNT = Number(process.env.WAGGLE_FUZZ_COUNT ?? 2400);
const BODY_LIMIT = 65536;

let t: TestWaggle;
let fuzz: TestOrg;
let keys: string[] = [];
let port = 0;
const endpoints: Endpoint[] = [];
const realIds = new Map<string, string[]>();
let baseline: { caseGet: string; userGet: string; orgGet: string; count: number };
let baselineCaseId = '';

before(async () => {
  t = await testWaggle({ WAGGLE_BODY_LIMIT: String(BODY_LIMIT) });
  const base = await t.org('baseline');
  fuzz = await t.org('fuzz');
  // data of another organisation that no fuzzed request targets: it must come out intact
  const bc = await t.as(base.analyst).post('/api/v1/case', { title: 'baseline case', description: 'must survive', tags: ['keep'], customFields: {} });
  assert.equal(bc.status, 201, bc.text);
  baselineCaseId = bc.body._id as string;
  await t.as(base.analyst).post(`/api/v1/case/${baselineCaseId}/task`, { title: 'baseline task' });
  const snapshot = async () => ({
    caseGet: (await t.as(base.analyst).get(`/api/v1/case/${baselineCaseId}`)).text,
    userGet: (await t.admin.get(`/api/v1/user/${base.analyst.login}`)).text,
    orgGet: (await t.admin.get('/api/v1/organisation/baseline')).text,
    count: (await t.as(base.analyst).query([{ _name: 'listCase' }, { _name: 'count' }])).body as number,
  });
  baseline = await snapshot();

  // targets inside the fuzz organisation
  const c = t.as(fuzz.admin);
  const caze = await c.post('/api/v1/case', { title: 'fuzz target', description: 'x' });
  const task = await c.post(`/api/v1/case/${caze.body._id}/task`, { title: 't' });
  const obs = await c.post(`/api/v1/case/${caze.body._id}/observable`, { dataType: 'ip', data: '10.9.9.9' });
  const alert = await c.post('/api/v1/alert', { type: 'f', source: 'f', sourceRef: 'f1', title: 't', description: 'd' });
  realIds.set('case', [caze.body._id, String(caze.body.number)]);
  realIds.set('task', [task.body._id]);
  if (Array.isArray(obs.body)) realIds.set('observable', [obs.body[0]._id]);
  if (alert.status === 201) realIds.set('alert', [alert.body._id]);
  keys = [(await t.admin.post(`/api/v1/user/${fuzz.admin.login}/key/renew`)).text, (await t.admin.post('/api/v1/user/admin@thehive.local/key/renew')).text];

  const doc = (await t.admin.get('/api/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (path.includes('/stream')) continue; // long-lived by design (covered by test/security/stream.test.ts)
    for (const m of Object.keys(ops)) endpoints.push({ method: m.toUpperCase() as Method, path });
  }
  await t.running.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = t.running.app.server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
});
after(async () => t?.close());

function fillPath(r: Prng, path: string, realChance: number): string {
  return path.replace(/\{([A-Za-z]+)\}/g, (_m, name: string) => {
    const resource = name === 'caseId' ? 'case' : name === 'alertId' ? 'alert' : (path.match(/^\/api\/(?:v1\/)?([a-zA-Z]+)\//)?.[1] ?? '');
    const ids = realIds.get(resource);
    if (ids && name !== 'attachmentId' && r.bool(realChance)) return encodeURIComponent(r.pick(ids));
    return r.bool(0.8) ? traversal(r) : encodeURIComponent(JSON.stringify(randomValue(r)) ?? 'x').slice(0, 300);
  });
}

function generate(r: Prng, i: number): FuzzRequest {
  const writes = endpoints.filter((e) => e.method === 'POST' || e.method === 'PUT' || e.method === 'PATCH');
  const withParams = endpoints.filter((e) => e.path.includes('{'));
  const auth = {
    authorization: `Bearer ${r.pick(keys)}`,
    ...(r.bool(0.05) ? { 'x-organisation': r.pick(['fuzz', 'baseline', 'admin', '..', '🐝', '']) } : {}),
  };
  const json = (ep: Endpoint, text: string | Buffer, kind: string, contentType = 'application/json'): FuzzRequest => ({
    kind,
    method: ep.method,
    url: fillPath(r, ep.path, 0.6),
    headers: { ...auth, 'content-type': contentType },
    body: Buffer.isBuffer(text) ? text : Buffer.from(text),
  });
  const roll = i % 20;
  const ep = r.pick(writes);
  const query: Endpoint = { method: 'POST', path: '/api/v1/query' };
  switch (roll) {
    case 0:
    case 1:
    case 2:
      return json(r.bool(0.3) ? query : ep, r.bool(0.5) ? brokenJson(r) : JSON.stringify(seedBody(ep.path)).slice(0, r.int(1, 40)), 'malformed-json');
    case 3:
    case 4:
    case 5:
    case 6:
      return json(ep, JSON.stringify(mutate(r, seedBody(ep.path), r.int(1, 4))), 'wrong-types');
    case 7:
    case 8:
    case 9:
      return json(query, JSON.stringify(randomQuery(r)), 'query');
    case 10: {
      const kind = r.pick(['array', 'object', 'not'] as const);
      return json(
        kind === 'not' ? query : ep,
        kind === 'not'
          ? deepJson('not', 10_000)
          : `{"title":"x","description":"y","tags":${deepJson(kind, 10_000)},"customFields":{"a":${deepJson(kind, 10_000)}}}`,
        'deep-nesting',
      );
    }
    case 11: {
      const n = r.int(2000, 9000);
      const big = r.pick([
        () => ({ ...seedBody(ep.path), tags: Array.from({ length: n }, (_, k) => `t${k}`) }),
        () => ({ query: [{ _name: 'listCase' }, { _name: 'filter', _in: { _field: 'title', _values: Array.from({ length: n }, (_, k) => k) } }] }),
        () => ({ query: Array.from({ length: n }, () => ({ _name: 'listCase' })) }),
        () => ({
          query: [{ _name: 'listCase' }, { _name: 'filter', _or: Array.from({ length: n }, (_, k) => ({ _eq: { _field: 'title', _value: `v${k}` } })) }],
        }),
        () => ({ ...seedBody(ep.path), ids: Array.from({ length: n }, (_, k) => `~${k}`) }),
      ])();
      return json('query' in big ? query : ep, JSON.stringify(big), 'huge-array');
    }
    case 12:
      if (r.bool(0.5)) return { ...json(r.bool(0.5) ? query : ep, `{"title":"${'x'.repeat(BODY_LIMIT + r.int(1, 200_000))}"}`, 'oversized'), socket: true };
      return {
        ...json(
          ep,
          JSON.stringify(seedBody(ep.path)),
          'content-type',
          r.pick([
            'text/plain',
            'application/xml',
            'application/x-www-form-urlencoded',
            'application/json; charset=latin1',
            'application/jsonx',
            'text/html',
            'application/octet-stream',
            'image/png',
            '*/*',
            'application/json, text/plain',
          ]),
        ),
      };
    case 13: {
      const text = JSON.stringify(seedBody(ep.path));
      const cut = r.int(1, text.length - 1);
      const bad = Buffer.from(r.pick([[0xff], [0xfe, 0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xe2, 0x82]]));
      return json(r.bool(0.3) ? query : ep, Buffer.concat([Buffer.from(text.slice(0, cut)), bad, Buffer.from(text.slice(cut))]), 'invalid-utf8');
    }
    case 14: {
      const body = seedBody(ep.path);
      for (const k of Object.keys(body)) {
        if (typeof body[k] === 'string' || r.bool(0.3)) body[k] = r.bool(0.5) ? unicodeString(r) : `${String(body[k])}${unicodeString(r)}`;
      }
      const text = JSON.stringify(body).replace(/"x"/g, r.bool(0.3) ? '"\\ud800"' : '"\\udfff\\ud800"');
      return json(ep, text, 'unicode');
    }
    case 15: {
      const payloads = [
        `{"__proto__":{"polluted":"yes","isAdmin":true},${JSON.stringify(seedBody(ep.path)).slice(1)}`,
        `{"constructor":{"prototype":{"polluted":"yes"}},${JSON.stringify(seedBody(ep.path)).slice(1)}`,
        JSON.stringify({ ...seedBody(ep.path), customFields: JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":1,"toString":2}') as unknown }),
        '{"query":[{"_name":"listCase"},{"_name":"filter","_eq":{"__proto__":{"polluted":"yes"}}}]}',
        '{"query":[{"_name":"listCase"},{"_name":"filter","_eq":{"_field":"__proto__","_value":1}}]}',
        '{"query":[{"_name":"listCase"},{"_name":"filter","_eq":{"_field":"constructor","_value":1}}]}',
        '{"query":[{"_name":"listCase"},{"_name":"sort","_fields":[{"__proto__":"asc"}]}]}',
        '{"query":[{"_name":"listCase"},{"_name":"filter","_has":"toString"}]}',
        '{"query":[{"_name":"__proto__"}]}',
        '{"query":[{"_name":"listCase"},{"_name":"constructor"}]}',
        `{${JSON.stringify(r.pick(['__proto__', 'constructor', 'prototype', 'hasOwnProperty', '_id', '_type', '_orgs', '_version']))}:${JSON.stringify(randomValue(r)) ?? 'null'},${JSON.stringify(seedBody(ep.path)).slice(1)}`,
      ];
      const text = r.pick(payloads);
      return json(text.startsWith('{"query"') ? query : ep, text, 'prototype-pollution');
    }
    case 16:
    case 17: {
      const target = r.pick(withParams);
      const body = target.method === 'GET' || target.method === 'DELETE' ? undefined : Buffer.from(JSON.stringify(seedBody(target.path)));
      return {
        kind: 'path-traversal',
        method: target.method,
        url: fillPath(r, target.path, 0),
        headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body } : {}),
      };
    }
    default: {
      const targets = endpoints.filter((e) => e.method === 'POST' && /(attachments|observable|\/log|\/alert|\/attachment|import)$/.test(e.path));
      const target = targets.length ? r.pick(targets) : ep;
      const mp = multipart(r, seedBody(target.path));
      return { kind: 'multipart', method: 'POST', url: fillPath(r, target.path, 0.8), headers: { ...auth, 'content-type': mp.contentType }, body: mp.payload };
    }
  }
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
  /** A WWW-Authenticate header would make browsers prompt for, then replay, basic credentials. */
  challenge: boolean;
}

function viaSocket(req: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // Header values go on the wire as their UTF-8 bytes (as a hostile client would send them);
    // Node's client refuses characters above U+00FF, so they are passed byte for byte as latin1.
    const headers: Record<string, string | number> = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('latin1')]),
    );
    if (req.body) headers['content-length'] = req.body.length;
    const rq = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          text,
          challenge: res.headers['www-authenticate'] !== undefined,
        }),
      );
    });
    rq.on('error', (e) => reject(e));
    if (req.body) rq.write(req.body, () => undefined);
    rq.end();
  });
}

async function send(req: FuzzRequest): Promise<Answer> {
  if (req.socket) return viaSocket(req);
  const r = await t.running.app.inject({
    method: req.method,
    url: req.url,
    headers: req.headers,
    ...(req.body ? { payload: req.body } : {}),
    remoteAddress: '10.1.1.1',
  });
  return { status: r.statusCode, contentType: String(r.headers['content-type'] ?? ''), text: r.body, challenge: r.headers['www-authenticate'] !== undefined };
}

function problem(a: Answer): string | undefined {
  if (a.status >= 500) return `status ${a.status}`;
  if (a.challenge) return 'WWW-Authenticate header';
  if (a.status < 400) return undefined;
  if (!a.contentType.includes('application/json')) return `content-type ${a.contentType}`;
  try {
    const body = JSON.parse(a.text) as { type?: unknown; message?: unknown };
    if (typeof body.type !== 'string' || typeof body.message !== 'string') return 'no {type, message}';
  } catch {
    return 'not JSON';
  }
  return undefined;
}

test(`fuzz: ${COUNT} malformed requests (seed ${SEED}) never get a 5xx, and every 4xx is {type, message}`, { timeout: 600_000 }, async (ctx) => {
  assert.ok(endpoints.length > 30, `endpoints discovered: ${endpoints.length}`);
  const r = new Prng(SEED);
  const failures: string[] = [];
  const kinds = new Map<string, number>();
  const statuses = new Map<number, number>();
  for (let i = 0; i < COUNT; i++) {
    const req = generate(r, i);
    kinds.set(req.kind, (kinds.get(req.kind) ?? 0) + 1);
    let answer: Answer;
    try {
      answer = await send(req);
    } catch (e) {
      failures.push(`#${i} ${req.kind} ${req.method} ${req.url.slice(0, 120)}: no answer (${String(e)})`);
      continue;
    }
    statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    const p = problem(answer);
    if (p) {
      failures.push(
        `#${i} ${req.kind} ${req.method} ${req.url.slice(0, 120)} -> ${p}: ${answer.text.slice(0, 200)} | body ${req.body?.toString('utf8').slice(0, 160) ?? ''}`,
      );
    }
  }
  ctx.diagnostic(`requests by kind: ${JSON.stringify(Object.fromEntries(kinds))}`);
  ctx.diagnostic(`answers by status: ${JSON.stringify(Object.fromEntries([...statuses].sort((x, y) => x[0] - y[0])))}`);
  assert.deepEqual(failures.slice(0, 15), [], `${failures.length} bad answers of ${COUNT}`);
  // the generator really covered every category, and most answers were refusals
  for (const k of [
    'malformed-json',
    'wrong-types',
    'query',
    'deep-nesting',
    'huge-array',
    'oversized',
    'content-type',
    'invalid-utf8',
    'unicode',
    'prototype-pollution',
    'path-traversal',
    'multipart',
  ]) {
    assert.ok((kinds.get(k) ?? 0) >= 10, `${k}: ${kinds.get(k) ?? 0}`);
  }
  assert.ok((statuses.get(413) ?? 0) >= 10, 'bodies over the limit were refused with 413');
  assert.ok([...statuses.entries()].filter(([s]) => s >= 400).reduce((n, [, c]) => n + c, 0) > COUNT / 2);
});

test('after the fuzz: the server answers, another organisation is intact, nothing was polluted or written outside', async () => {
  const status = await fetch(`http://127.0.0.1:${port}/api/status`);
  assert.equal(status.status, 200);
  const base = { login: 'analyst@baseline', password: 'secret', org: 'baseline' };
  const now = {
    caseGet: (await t.as(base).get(`/api/v1/case/${baselineCaseId}`)).text,
    userGet: (await t.admin.get('/api/v1/user/analyst@baseline')).text,
    orgGet: (await t.admin.get('/api/v1/organisation/baseline')).text,
    count: (await t.as(base).query([{ _name: 'listCase' }, { _name: 'count' }])).body as number,
  };
  assert.deepEqual(now, baseline);
  const probe: Record<string, unknown> = {};
  assert.equal(probe.polluted, undefined);
  assert.equal(probe.isAdmin, undefined);
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
  assert.equal(existsSync('/tmp/waggle-fuzz-pwned'), false);
  const created = await t.as(fuzz.analyst).post('/api/v1/case', { title: 'still works', description: 'x' });
  assert.equal(created.status, 201, created.text);
});
