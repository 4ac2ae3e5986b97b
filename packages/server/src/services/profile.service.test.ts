/**
 * Authenticating a request finds the caller's profile by name through its unique claim, never
 * through a query: on the cluster store a query goes to OpenSearch, so an OpenSearch outage made
 * every request fail (issue 7, fault tests: reads by id must go on while the index is down). Here
 * the store's queries are made to fail as OpenSearch's would, and reads by id must still be served.
 * (Creating a case still needs a query, for the custom field definitions: such writes fail with
 * the 503 of the outage; see deploy/cluster/README.md.)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceUnavailableError } from '../errors/errors.js';
import { testWaggle, type TestOrg, type TestWaggle } from '../test/support.js';

let t: TestWaggle;
let org: TestOrg;
before(async () => {
  t = await testWaggle();
  org = await t.org('profiles-no-index');
});
after(async () => {
  await t.close();
});

test('with every query failing (the search index down), requests are still authenticated and cases read by id', async () => {
  const created = await t.as(org.analyst).post('/api/v1/case', { title: 'before the outage', description: 'x' });
  assert.equal(created.status, 201);
  const id = (created.body as { _id: string })._id;
  const store = t.running.services.store;
  const query = store.query.bind(store);
  store.query = () => Promise.reject(new ServiceUnavailableError('search index down (simulated)'));
  try {
    const read = await t.as(org.analyst).get(`/api/v1/case/${id}`);
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.equal((read.body as { title: string }).title, 'before the outage');
    assert.equal((await t.as(org.readonly).get(`/api/v1/case/${id}`)).status, 200, 'read-only profile too');
    assert.equal((await t.admin.get('/api/v1/user/current')).status, 200, 'the platform admin (admin profile) too');
  } finally {
    store.query = query;
  }
});

test('a profile is found by name through its claim, and a renamed one under its new name only', async () => {
  const profiles = t.running.services.profiles;
  assert.equal((await profiles.findByName('analyst'))?.name, 'analyst');
  assert.equal(await profiles.findByName('no-such-profile'), undefined);
  const r = await t.admin.post('/api/v1/profile', { name: 'triage', permissions: ['manageCase'] });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal((await t.admin.patch(`/api/v1/profile/triage`, { name: 'triage2' })).status, 204);
  assert.equal(await profiles.findByName('triage'), undefined);
  assert.equal((await profiles.findByName('triage2'))?.name, 'triage2');
});
