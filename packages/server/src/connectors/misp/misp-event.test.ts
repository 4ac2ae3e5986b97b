import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { eventToAlert, extractEvent, mapType } from './misp-event.js';

const fixtures = join(fileURLToPath(new URL('.', import.meta.url)), '../../../../../../shared/fixtures/misp');
const load = (f: string): unknown => JSON.parse(readFileSync(join(fixtures, f), 'utf8'));

test('feed event "Ransomware - Xorist" maps to an alert with split composite attributes', () => {
  const alert = eventToAlert(extractEvent(load('57c4445b-c548-4654-af0b-4be3950d210f.json')), 'CIRCL');
  assert.equal(alert.type, 'misp');
  assert.equal(alert.title, '#57c4445b-c548-4654-af0b-4be3950d210f Ransomware - Xorist');
  assert.equal(alert.severity, 1); // threat level 3 (Low) -> 1
  assert.equal(alert.date, Date.parse('2016-08-29T00:00:00Z'));
  assert.ok(alert.tags.includes('src:CIRCL'));
  const types = alert.observables.map((o) => o.dataType).sort();
  // 9 attributes: link x2 -> url, comment/text -> other, filename, md5/sha1/sha256 -> hash, regkey|value -> registry + other
  assert.equal(alert.observables.filter((o) => o.dataType === 'hash').length, 3);
  assert.ok(types.includes('registry'));
  assert.ok(types.includes('url'));
  assert.equal(alert.observables.filter((o) => o.ioc).length >= 3, true);
});

test('unwrapped API view with objects: attributes of objects are imported, duplicates dropped', () => {
  const event = extractEvent(load('existing_event.json'));
  const alert = eventToAlert(event, 'ORG', 'https://misp.example/');
  assert.equal(alert.sourceRef, '9747');
  assert.equal(alert.externalLink, 'https://misp.example/events/9747');
  const keys = alert.observables.map((o) => `${o.dataType}|${o.data}`);
  assert.equal(new Set(keys).size, keys.length);
  assert.ok(alert.observables.length > 9);
});

test('response-wrapped event with a malware sample gives a file observable', () => {
  const alert = eventToAlert(extractEvent(load('malware_exist.json')), 'ORG');
  const file = alert.observables.find((o) => o.dataType === 'file');
  assert.ok(file?.fileData?.base64.length);
  assert.equal(alert.severity, 3); // threat level 1 (High)
});

test('an event without attributes gives no observables; non-events are refused', () => {
  const alert = eventToAlert(extractEvent(load('57e27c3d-17a8-4c3b-8195-493e950d210f.json')), 'ORG');
  assert.deepEqual(alert.observables, []);
  assert.equal(alert.tlp, 0); // tlp:white
  assert.throws(() => extractEvent({}), /Could not convert json to MISP event/);
  assert.throws(() => extractEvent([1, 2]), /Could not convert json to MISP event/);
});

test('type mapping follows TheHive 4 defaults', () => {
  assert.equal(mapType('ip-dst'), 'ip');
  assert.equal(mapType('filename|sha256'.split('|')[1]!), 'hash');
  assert.equal(mapType('email-src', 'Payload delivery'), 'mail');
  assert.equal(mapType('email-src', 'Other'), 'other');
  assert.equal(mapType('AS'), 'autonomous-system');
  assert.equal(mapType('mutex'), 'other');
});
