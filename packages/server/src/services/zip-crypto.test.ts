import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { crc32, zipCrypto, ZipCryptoCipher } from './zip-crypto.js';

/** Opens `zip` with Python's zipfile and returns the entry names and the hex content of `name`. */
function pythonRead(zip: Buffer, name: string, password: string): { names: string[]; hex: string } {
  const dir = mkdtempSync(join(tmpdir(), 'waggle-zip-'));
  try {
    const path = join(dir, 'a.zip');
    writeFileSync(path, zip);
    const script = [
      'import sys, zipfile, json',
      'z = zipfile.ZipFile(sys.argv[1])',
      'data = z.open(sys.argv[2], pwd=sys.argv[3].encode()).read()',
      'print(json.dumps({"names": z.namelist(), "hex": data.hex()}))',
    ].join('\n');
    return JSON.parse(execFileSync('python3', ['-c', script, path, name, password], { encoding: 'utf8', stdio: 'pipe' })) as { names: string[]; hex: string };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('crc32 matches known values', () => {
  assert.equal(crc32(Buffer.from('')), 0);
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32(Buffer.from('56789'), crc32(Buffer.from('1234'))), 0xcbf43926);
});

test('the cipher round-trips', () => {
  const data = randomBytes(1000);
  const enc = new ZipCryptoCipher('malware').encrypt(data);
  assert.notDeepEqual(enc, data);
  assert.deepEqual(new ZipCryptoCipher('malware').decrypt(enc), data);
});

test('Python zipfile opens the archive with the password', async () => {
  const content = Buffer.from('observable content');
  const zip = await zipCrypto('case-observable.txt', content, 'malware');
  const r = pythonRead(zip, 'case-observable.txt', 'malware');
  assert.deepEqual(r.names, ['case-observable.txt']);
  assert.equal(Buffer.from(r.hex, 'hex').toString(), 'observable content');
});

test('binary, empty and non-ASCII names survive', async () => {
  const bin = randomBytes(200_000);
  const r1 = pythonRead(await zipCrypto('évil.bin', bin, 'malware'), 'évil.bin', 'malware');
  assert.equal(r1.hex, bin.toString('hex'));
  const r2 = pythonRead(await zipCrypto('empty', Buffer.alloc(0), 'malware'), 'empty', 'malware');
  assert.equal(r2.hex, '');
});

test('a wrong password is refused by Python', async () => {
  const zip = await zipCrypto('x.txt', Buffer.from('secret'), 'malware');
  assert.throws(() => pythonRead(zip, 'x.txt', 'nope'));
});
