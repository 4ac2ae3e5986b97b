/** The built-in analyzers of `<repo>/analyzers` run through the real job-directory protocol. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { loadConfig } from '../config/config.js';
import { Catalog } from './catalog.js';
import { JobExecutor, type ExecInput, type Report } from './job-executor.js';
import { ChildProcessRunner } from './process-runner.js';

const folders = loadConfig({ WAGGLE_MODE: 'test' }, tmpdir()).analysis.analyzerFolders;
const catalog = new Catalog({ analyzers: folders, responders: [] });
const stored = new Map<string, Buffer>();
const executor = new JobExecutor(new ChildProcessRunner(), {
  jobDirectory: mkdtempSync(join(tmpdir(), 'waggle-builtin-')),
  interpreters: {},
  storeFile: async (content) => {
    const sha256 = createHash('sha256').update(content).digest('hex');
    stored.set(sha256, content);
    return { sha256, size: content.length };
  },
});

async function analyse(id: string, over: Partial<ExecInput>): Promise<Extract<Report, { success: true }>> {
  const def = catalog.get('analyzer', id);
  assert.ok(def, `${id} is in the catalog`);
  const r = await executor.execute({
    jobId: '~1',
    def,
    config: def.config,
    dataType: 'other',
    tlp: 2,
    pap: 2,
    message: '',
    parameters: {},
    timeoutMs: 30_000,
    ...over,
  });
  assert.equal(r.success, true, JSON.stringify(r));
  return r;
}

const file = (name: string, content: Buffer | string, contentType = 'application/octet-stream'): ExecInput['file'] => ({
  name,
  contentType,
  open: async () => Readable.from([Buffer.from(content)]),
});

describe('built-in analyzers', () => {
  it('are found in <repo>/analyzers', () => {
    assert.deepEqual(
      catalog
        .list('analyzer')
        .map((d) => d.id)
        .sort(),
      ['Waggle_EmlParser_1_0', 'Waggle_FileInfo_1_0', 'Waggle_IOCExtract_1_0'],
    );
  });

  it('FileInfo: hashes, type by magic bytes, size and entropy', async () => {
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\n');
    const r = await analyse('Waggle_FileInfo_1_0', { dataType: 'file', file: file('doc.pdf', pdf) });
    assert.equal(r.full.type, 'PDF document');
    assert.equal(r.full.size, pdf.length);
    assert.deepEqual(r.full.hashes, {
      md5: createHash('md5').update(pdf).digest('hex'),
      sha1: createHash('sha1').update(pdf).digest('hex'),
      sha256: createHash('sha256').update(pdf).digest('hex'),
      sha512: createHash('sha512').update(pdf).digest('hex'),
    });
    const tax = r.summary.taxonomies as Array<{ predicate: string; value: unknown; level: string }>;
    assert.deepEqual(
      tax.map((t) => t.predicate),
      ['Filetype', 'Size', 'Entropy'],
    );
    assert.ok(r.artifacts.some((a) => a.dataType === 'hash' && a.data === createHash('sha256').update(pdf).digest('hex')));
    const random = Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 7919 + (i >> 8) * 31) & 0xff));
    const high = await analyse('Waggle_FileInfo_1_0', { dataType: 'file', file: file('blob.bin', random) });
    assert.ok((high.full.entropy as number) > 7, String(high.full.entropy));
    const mz = await analyse('Waggle_FileInfo_1_0', { dataType: 'file', file: file('a.exe', Buffer.from([0x4d, 0x5a, 0x90, 0, 3, 0])) });
    assert.match(String(mz.full.type), /PE32/);
  });

  it('IOCExtract: IPs, domains, URLs, hashes and e-mails, defanged forms included', async () => {
    const text = [
      'Callback to hxxp://evil[.]example[.]com/payload.exe and https://good.example.org/x?y=1.',
      'C2 at 198.51.100[.]23 and 203.0.113.9, v6 2001:db8::1; not 999.1.1.1.',
      'Mail attacker[@]phish.example.net or ops@corp.example.com.',
      'Hash d41d8cd98f00b204e9800998ecf8427e and e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855; file report.pdf',
    ].join('\n');
    const r = await analyse('Waggle_IOCExtract_1_0', { data: text });
    const iocs = r.full.iocs as Record<string, string[]>;
    assert.deepEqual(iocs.url, ['http://evil.example.com/payload.exe', 'https://good.example.org/x?y=1']);
    assert.deepEqual(iocs.ip, ['198.51.100.23', '2001:db8::1', '203.0.113.9']);
    assert.deepEqual(iocs.mail, ['attacker@phish.example.net', 'ops@corp.example.com']);
    assert.deepEqual(iocs.hash, ['d41d8cd98f00b204e9800998ecf8427e', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']);
    assert.ok(iocs.domain!.includes('evil.example.com'));
    assert.ok(!iocs.domain!.includes('report.pdf'));
    assert.ok(r.artifacts.some((a) => a.dataType === 'ip' && a.data === '198.51.100.23'));
    const fromFile = await analyse('Waggle_IOCExtract_1_0', { dataType: 'file', file: file('notes.txt', 'see 192.0.2.44') });
    assert.deepEqual((fromFile.full.iocs as Record<string, string[]>).ip, ['192.0.2.44']);
  });

  it('EmlParser: headers, hops and attachments as file artifacts', async () => {
    const attachment = Buffer.from('MZ fake executable bytes');
    const eml = [
      'Received: from mx.example.org (mx.example.org [192.0.2.1]) by inbound.corp.example.com; Mon, 1 Jan 2024 10:00:05 +0000',
      'Received: from sender-pc (unknown [198.51.100.77]) by mx.example.org; Mon, 1 Jan 2024 10:00:00 +0000',
      'From: "Alice" <alice@example.org>',
      'To: bob@corp.example.com',
      'Reply-To: payments@evil.example.net',
      'Subject: =?utf-8?B?SW52b2ljZSDigqwxMDA=?=',
      'Message-ID: <1@example.org>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="XYZ"',
      '',
      '--XYZ',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Please pay at https://pay.evil.example.net/inv=3D1 today.',
      '--XYZ',
      'Content-Type: application/octet-stream; name="invoice.exe"',
      'Content-Disposition: attachment; filename="invoice.exe"',
      'Content-Transfer-Encoding: base64',
      '',
      attachment.toString('base64'),
      '--XYZ--',
      '',
    ].join('\r\n');
    const r = await analyse('Waggle_EmlParser_1_0', { dataType: 'file', file: file('mail.eml', eml, 'message/rfc822') });
    assert.equal(r.full.subject, 'Invoice €100');
    assert.deepEqual(
      (r.full.hops as Array<{ ip: string }>).map((h) => h.ip),
      ['198.51.100.77', '192.0.2.1'],
    );
    const att = r.artifacts.find((a) => a.dataType === 'file');
    assert.equal(att?.attachment?.name, 'invoice.exe');
    assert.deepEqual(stored.get(att.attachment.id), attachment);
    assert.ok(r.artifacts.some((a) => a.dataType === 'url' && a.data === 'https://pay.evil.example.net/inv=1'));
    assert.ok(r.artifacts.some((a) => a.dataType === 'mail' && a.data === 'payments@evil.example.net'));
    const tax = r.summary.taxonomies as Array<{ predicate: string; level: string; value: unknown }>;
    assert.deepEqual(tax.find((t) => t.predicate === 'Attachments')?.value, 1);
    assert.equal(tax.find((t) => t.predicate === 'ReplyTo')?.level, 'suspicious');
  });
});
