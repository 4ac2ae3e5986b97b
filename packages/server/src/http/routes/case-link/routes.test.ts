import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testWaggle, type Client, type TestWaggle, type TestOrg } from '../../../test/support.js';

let t: TestWaggle;
let a: TestOrg;
let b: TestOrg;

before(async () => {
  t = await testWaggle();
  a = await t.org('org-a');
  b = await t.org('org-b');
  assert.equal((await t.admin.put('/api/v1/organisation/org-a/link/org-b', {})).status, 204);
});
after(async () => t.close());

async function newCase(client: Client, title: string): Promise<string> {
  const r = await client.post('/api/v1/case', { title, description: 'd' });
  assert.equal(r.status, 201, r.text);
  return r.body._id;
}

const linksOf = async (client: Client, id: string) => {
  const r = await client.query([
    { _name: 'listCase' },
    { _name: 'filter', _eq: { _field: '_id', _value: id } },
    { _name: 'page', from: 0, to: 1, extraData: ['links'] },
  ]);
  assert.equal(r.status, 200, r.text);
  return r.body[0].extraData.links;
};

test('link types are empty on a fresh instance', async () => {
  const r = await t.as(a.analyst).get('/api/v1/case/link/types');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, []);
});

test('link a case to a case and to a URL, see them in extraData.links, unlink them', async () => {
  const c = t.as(a.analyst);
  const one = await newCase(c, 'one');
  const two = await newCase(c, 'two');
  assert.equal((await c.post(`/api/v1/case/${one}/link/case/add`, { type: 'whatever', caseId: two })).status, 204);
  assert.equal((await c.post(`/api/v1/case/${one}/link/case/add`, { type: 'whatever', caseId: two })).status, 204);
  let links = await linksOf(c, one);
  assert.equal(links.caseLinks.length, 1);
  assert.equal(links.caseLinks[0].caseId, two);
  assert.equal(links.caseLinks[0].type, 'whatever');
  assert.deepEqual(links.externalLinks, []);
  assert.deepEqual(await linksOf(c, two), { caseLinks: [], externalLinks: [] });
  // the case itself renders the same with and without extraData
  const plain = await c.get(`/api/v1/case/${one}`);
  const viaQuery = await c.query([{ _name: 'getCase', idOrName: one }]);
  assert.deepEqual(viaQuery.body[0], plain.body);

  assert.equal((await c.post(`/api/v1/case/${one}/link/external/add`, { type: 'ticket', url: 'https://example.com' })).status, 204);
  links = await linksOf(c, one);
  assert.equal(links.externalLinks[0].url, 'https://example.com');
  assert.deepEqual((await c.get('/api/v1/case/link/types')).body, ['ticket', 'whatever']);

  assert.equal((await c.post(`/api/v1/case/${one}/link/case/remove`, { type: 'whatever', caseId: two })).status, 204);
  assert.equal((await c.post(`/api/v1/case/${one}/link/external/remove`, { type: 'ticket', url: 'https://example.com' })).status, 204);
  assert.deepEqual(await linksOf(c, one), { caseLinks: [], externalLinks: [] });
});

test('links: validation and isolation', async () => {
  const c = t.as(a.analyst);
  const one = await newCase(c, 'iso one');
  const theirs = await newCase(t.as(b.analyst), 'theirs');
  assert.equal((await c.post(`/api/v1/case/${one}/link/case/add`, { type: 'x', caseId: theirs })).status, 404);
  assert.equal((await c.post(`/api/v1/case/${one}/link/case/add`, { type: 'x', caseId: one })).status, 400);
  assert.equal((await c.post(`/api/v1/case/${one}/link/external/add`, { type: 'x', url: 'not a url' })).status, 400);
  assert.equal((await c.post(`/api/v1/case/${one}/link/external/add`, { type: 'x', url: 'javascript:alert(1)' })).status, 400);
  assert.equal((await c.post(`/api/v1/case/${one}/link/external/add`, { type: 'x' })).status, 400);
  assert.equal((await t.as(a.readonly).post(`/api/v1/case/${one}/link/external/add`, { type: 'x', url: 'https://a.example' })).status, 403);
  assert.equal((await t.as(b.analyst).post(`/api/v1/case/${one}/link/external/add`, { type: 'x', url: 'https://a.example' })).status, 404);
  assert.equal((await t.as(b.analyst).post(`/api/v1/case/${theirs}/link/case/add`, { type: 'x', caseId: one })).status, 404);

  // a link to a case that later becomes invisible is not shown; B's link types do not leak A's
  const shared = await newCase(c, 'shared');
  await c.post(`/api/v1/case/${shared}/shares`, { shares: [{ organisation: 'org-b' }] });
  assert.equal((await t.as(b.analyst).post(`/api/v1/case/${theirs}/link/case/add`, { type: 'b-only', caseId: shared })).status, 204);
  assert.equal((await linksOf(t.as(b.analyst), theirs)).caseLinks.length, 1);
  await c.delete(`/api/v1/case/${shared}/shares`, { organisations: ['org-b'] });
  assert.deepEqual((await linksOf(t.as(b.analyst), theirs)).caseLinks, []);
  assert.ok(!(await c.get('/api/v1/case/link/types')).body.includes('b-only'));
});

test('cases linked by observables, and similar observables', async () => {
  const c = t.as(a.analyst);
  const one = await newCase(c, 'obs one');
  const two = await newCase(c, 'obs two');
  const three = await newCase(c, 'obs three');
  assert.deepEqual((await c.get(`/api/v1/case/${one}/similar/${two}/observables`)).body, []);
  for (const id of [one, two]) assert.equal((await c.post(`/api/v1/case/${id}/observable`, { dataType: 'domain', data: 'example.com' })).status, 201);
  await c.post(`/api/v1/case/${one}/observable`, { dataType: 'ip', data: '1.2.3.4' });
  await c.post(`/api/v1/case/${three}/observable`, { dataType: 'ip', data: '1.2.3.4', ignoreSimilarity: true });
  await c.post(`/api/v1/case/${three}/observable`, { dataType: 'fqdn', data: 'example.com' });

  const linked = await c.get(`/api/v1/case/${one}/links`);
  assert.equal(linked.status, 200, linked.text);
  assert.deepEqual(
    linked.body.map((x: { _id: string }) => x._id),
    [two],
  );
  assert.equal(linked.body[0].linksCount, 1);
  assert.equal(linked.body[0].linkedWith[0].data, 'example.com');
  assert.equal(linked.body[0].title, 'obs two');

  const similar = await c.get(`/api/v1/case/${one}/similar/${two}/observables`);
  assert.deepEqual(
    similar.body.map((o: { data: string }) => o.data),
    ['example.com'],
  );
  assert.deepEqual((await c.get(`/api/v1/case/${one}/similar/${three}/observables`)).body, []);

  // another organisation's case with the same observable is not a link, and B cannot probe A's cases
  const theirs = await newCase(t.as(b.analyst), 'b obs');
  await t.as(b.analyst).post(`/api/v1/case/${theirs}/observable`, { dataType: 'domain', data: 'example.com' });
  assert.deepEqual(
    (await c.get(`/api/v1/case/${one}/links`)).body.map((x: { _id: string }) => x._id),
    [two],
  );
  assert.deepEqual((await t.as(b.analyst).get(`/api/v1/case/${theirs}/links`)).body, []);
  assert.equal((await t.as(b.analyst).get(`/api/v1/case/${one}/links`)).status, 404);
  assert.equal((await t.as(b.analyst).get(`/api/v1/case/${theirs}/similar/${one}/observables`)).status, 404);
  assert.equal((await c.get(`/api/v1/case/${one}/similar/~999999999/observables`)).status, 404);
});
