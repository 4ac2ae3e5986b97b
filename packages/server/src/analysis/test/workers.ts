/** Tiny workers (Node scripts) for engine tests, written into a temporary analyzers folder. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const prelude = `
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
const dir = process.argv[2];
const input = JSON.parse(readFileSync(join(dir, 'input', 'input.json'), 'utf8'));
const out = (o) => writeFileSync(join(dir, 'output', 'output.json'), JSON.stringify(o));
`;

const scripts: Record<string, string> = {
  'echo.mjs': `${prelude}
let fileText;
if (input.file) fileText = readFileSync(join(dir, 'input', input.file), 'utf8');
writeFileSync(join(dir, 'output', 'extracted.txt'), 'artifact file content');
out({ success: true, full: { input: { ...input, config: input.config }, fileText },
  summary: { taxonomies: [{ level: 'suspicious', namespace: 'Echo', predicate: 'Data', value: String(input.data ?? input.filename) }] },
  artifacts: [{ dataType: 'ip', data: '10.1.2.3', tags: ['echo'], message: 'found' }, { dataType: 'file', file: 'extracted.txt', filename: 'extracted.txt', contentType: 'text/plain' }],
  operations: [{ type: 'AddTagToCase', tag: 'echoed' }] });
`,
  'sleeper.mjs': `${prelude}
import { spawn } from 'node:child_process';
const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
writeFileSync(join(input.parameters.pidDir, 'pids.json'), JSON.stringify([process.pid, child.pid]));
setInterval(() => {}, 1000);
`,
  'broken.mjs': `${prelude}
writeFileSync(join(dir, 'output', 'output.json'), '{"success": tru');
`,
  'silent.mjs': `${prelude}
process.stderr.write('something went wrong\\n');
process.exit(3);
`,
  'stdio.mjs': `
let text = '';
process.stdin.on('data', (c) => (text += c));
process.stdin.on('end', () => {
  const input = JSON.parse(text);
  process.stdout.write(JSON.stringify({ success: true, full: { got: input.data }, summary: { taxonomies: [{ level: 'info', namespace: 'Stdio', predicate: 'Len', value: input.data.length }] }, artifacts: [{ type: 'domain', value: 'example.org' }] }));
});
`,
  'fail.mjs': `${prelude}
out({ success: false, errorMessage: 'no luck', input });
`,
};

function def(name: string, command: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    version: '1.0',
    author: 'test',
    url: 'https://example.org',
    license: 'AGPL-V3',
    description: `${name} test worker`,
    dataTypeList: ['ip', 'domain', 'file', 'other'],
    baseConfig: name,
    command,
    configurationItems: [],
    ...extra,
  };
}

/** Writes the test workers under `root` and returns the analyzers and responders folders. */
export function writeTestWorkers(root: string): { analyzers: string; responders: string } {
  const analyzers = join(root, 'analyzers');
  const responders = join(root, 'responders');
  mkdirSync(join(analyzers, 'Test'), { recursive: true });
  mkdirSync(join(responders, 'Test'), { recursive: true });
  for (const [n, text] of Object.entries(scripts)) {
    writeFileSync(join(analyzers, 'Test', n), text);
    writeFileSync(join(responders, 'Test', n), text);
  }
  const defs = [
    def('Echo', 'Test/echo.mjs', {
      configurationItems: [
        { name: 'key', description: 'API key', type: 'string', multi: false, required: true },
        { name: 'limit', description: '', type: 'number', multi: false, required: false, defaultValue: 5 },
        { name: 'names', description: '', type: 'string', multi: true, required: false },
      ],
    }),
    def('Tlp', 'Test/echo.mjs', { config: { check_tlp: true, max_tlp: 1, check_pap: true, max_pap: 1, service: 'x' } }),
    def('Sleeper', 'Test/sleeper.mjs'),
    def('Broken', 'Test/broken.mjs'),
    def('Silent', 'Test/silent.mjs'),
    def('Stdio', 'Test/stdio.mjs', { protocol: 'stdio' }),
    def('Fail', 'Test/fail.mjs'),
    def('Missing', 'Test/does-not-exist'),
  ];
  for (const d of defs) writeFileSync(join(analyzers, 'Test', `${String(d.name)}.json`), JSON.stringify(d));
  writeFileSync(
    join(responders, 'Test', 'EchoResponder.json'),
    JSON.stringify(def('EchoResponder', 'Test/echo.mjs', { dataTypeList: ['thehive:case', 'thehive:case_artifact'] })),
  );
  return { analyzers, responders };
}
