/**
 * Seeds a Waggle data directory for the benchmark, directly through the EntityStore port.
 *
 *   node --import tsx bench/seed.ts --dir bench/.data/x --scale 1 [--seed 42] [--analyze]
 *
 * Scale 1 = 100,000 cases, 1,000,000 observables, 300,000 tasks over 3 organisations
 * (60% / 30% / 10% of the cases), dated over the 2 years before the seed. Documents have the
 * shape the services give them (CaseService.build, buildTaskDoc, observables with their
 * per-case uniqueness claim). The instance is bootstrapped first with `createWaggle`, and a
 * benchmark org-admin with an API key is created in the biggest organisation; the key and
 * the facts the runner needs go to `<dir>/bench.json`.
 */
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../packages/server/src/config/config.js';
import { createWaggle } from '../packages/server/src/server.js';
import { systemActor } from '../packages/server/src/services/actor.js';
import { buildTaskDoc, TASK_STATUSES } from '../packages/server/src/services/task-doc.js';
import { observableKey, stageOf } from '../packages/server/src/services/case.service.js';
import { ADMIN_ORG } from '../packages/server/src/auth/permissions.js';
import { ALL_ORGS } from '../packages/server/src/entities/registry.js';
import type { BatchOp, EntityStore, NewDoc } from '../packages/server/src/storage/entity-store.js';

const { values: args } = parseArgs({
  options: {
    dir: { type: 'string' },
    scale: { type: 'string', default: '1' },
    seed: { type: 'string', default: '42' },
    analyze: { type: 'boolean', default: false },
    chunk: { type: 'string', default: '1000' },
  },
});
if (!args.dir) {
  process.stderr.write('usage: node --import tsx bench/seed.ts --dir <data dir> [--scale 1] [--seed 42] [--analyze]\n');
  process.exit(2);
}
const DIR = resolve(args.dir);
const SCALE = Number(args.scale);
const CASES = Math.round(100_000 * SCALE);
const OBSERVABLES = Math.round(1_000_000 * SCALE);
const TASKS = Math.round(300_000 * SCALE);
const CHUNK = Number(args.chunk);
const ADMIN_PASSWORD = 'bench-admin-secret';
const DAY = 86_400_000;

// ---- deterministic randomness ----
let rngState = Number(args.seed) >>> 0;
function rand(): number {
  // mulberry32
  rngState = (rngState + 0x6d2b79f5) >>> 0;
  let t = rngState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n: number): number => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
const chance = (p: number): boolean => rand() < p;
function weighted<T>(entries: ReadonlyArray<readonly [T, number]>): T {
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let r = rand() * total;
  for (const [v, w] of entries) if ((r -= w) < 0) return v;
  return entries[entries.length - 1][0];
}
function gaussian(): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}
/** Zipf-like rank in [0, n): P(rank) ~ 1/(rank+50), so the top value is in about 1% of the cases. */
const zipf = (n: number, k = 50): number => Math.min(n - 1, Math.floor(k * Math.pow((n + k) / k, rand())) - k);

/** Splits `total` over `n` buckets proportionally to random weights from `weight()`. */
function allocate(total: number, n: number, weight: () => number): Uint32Array {
  const w = Array.from({ length: n }, weight);
  const sum = w.reduce((a, b) => a + b, 0);
  const out = new Uint32Array(n);
  let given = 0;
  for (let i = 0; i < n; i++) {
    out[i] = Math.floor((total * w[i]) / sum);
    given += out[i];
  }
  while (given < total) {
    out[int(n)]++;
    given++;
  }
  return out;
}

// ---- vocabulary ----
const WORDS =
  'alpha bravo cedar delta ember falcon granite harbor iris jade kilo lumen maple nova onyx pine quartz raven sierra tango umber vortex willow xenon yarrow zephyr atlas beacon cobalt dune echo flint grove helix indigo juniper karma lotus mesa nimbus orbit prism quill ridge solace tundra ultra vela wren'.split(
    ' ',
  );
const TLDS = ['com', 'net', 'org', 'io', 'ru', 'cn', 'xyz', 'top', 'info', 'biz'];
const CATEGORIES = [
  'phishing',
  'malware',
  'ransomware',
  'bec',
  'ddos',
  'insider',
  'data-leak',
  'brute-force',
  'c2',
  'cryptomining',
  'vulnerability',
  'account-compromise',
];
const SOURCES = ['src:splunk', 'src:qradar', 'src:edr', 'src:email-gateway', 'src:misp', 'src:user-report', 'src:ids'];
const CUSTOMERS = Array.from({ length: 80 }, (_, i) => `customer:${WORDS[i % WORDS.length]}-${Math.floor(i / WORDS.length) + 1}`);
const EXTRA_TAGS = [
  'escalated',
  'vip',
  'false-alarm-candidate',
  'needs-review',
  'regulatory',
  'gdpr',
  'pci',
  'apt',
  'tor',
  'cloud',
  'o365',
  'aws',
  'azure',
  'linux',
  'windows',
  'macos',
];
const OBS_TAGS = ['malicious', 'suspicious', 'benign', 'c2', 'tor', 'scanner', 'internal', 'sinkholed', 'misp:event', 'phishing-kit'];
const TASK_TEMPLATES: Array<[string, string]> = [
  ['Triage', 'Identification'],
  ['Collect evidence', 'Identification'],
  ['Scope impacted assets', 'Identification'],
  ['Contain host', 'Containment'],
  ['Block indicators', 'Containment'],
  ['Reset credentials', 'Containment'],
  ['Eradicate', 'Eradication'],
  ['Recover systems', 'Recovery'],
  ['Notify stakeholders', 'Communication'],
  ['Lessons learned', 'Post-incident'],
  ['Malware analysis', 'Analysis'],
  ['Log review', 'Analysis'],
];
const OBS_TYPES: ReadonlyArray<readonly [string, number]> = [
  ['ip', 25],
  ['domain', 20],
  ['hash', 15],
  ['url', 12],
  ['mail', 8],
  ['fqdn', 5],
  ['filename', 5],
  ['hostname', 4],
  ['user-agent', 2],
  ['other', 4],
];
const LOREM =
  'The analyst observed repeated suspicious activity from the reported host. Authentication logs show several failed attempts followed by a successful login from an unusual location. The EDR raised an alert for a process spawning an encoded PowerShell command, and outbound connections to a recently registered domain were seen. '.split(
    ' ',
  );

function sentence(words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(pick(LOREM));
  return out.join(' ');
}

/** The data of observable number `idx` of `type`, deterministic (the same idx gives the same value). */
function obsData(type: string, idx: number): string {
  const h = createHash('sha256').update(`${type}:${idx}`).digest();
  const w = (i: number) => WORDS[h[i] % WORDS.length];
  switch (type) {
    case 'ip':
      return `${(h[0] % 223) + 1}.${h[1]}.${h[2]}.${h[3]}`;
    case 'domain':
      return `${w(4)}-${w(5)}${h[6] % 100}.${TLDS[h[7] % TLDS.length]}`;
    case 'fqdn':
      return `${w(4)}.${w(5)}-${h[6] % 100}.${TLDS[h[7] % TLDS.length]}`;
    case 'hostname':
      return `${w(4)}-ws${h.readUInt16BE(5) % 10000}`;
    case 'hash':
      return h.toString('hex');
    case 'url':
      return `https://${w(4)}-${w(5)}${h[6] % 100}.${TLDS[h[7] % TLDS.length]}/${w(8)}/${h.readUInt32BE(9).toString(36)}.php?id=${h[13]}`;
    case 'mail':
      return `${w(4)}.${w(5)}${h[6] % 1000}@${w(7)}-mail.${TLDS[h[8] % TLDS.length]}`;
    case 'filename':
      return `${w(4)}_${h.readUInt16BE(5).toString(16)}.${['exe', 'dll', 'docm', 'xlsm', 'zip', 'js', 'ps1', 'pdf'][h[7] % 8]}`;
    case 'user-agent':
      return `Mozilla/5.0 (Windows NT 10.0; Win64; x64) ${w(4)}/${h[5] % 120}.0.${h.readUInt16BE(6)}`;
    default:
      return `${w(4)} ${w(5)} ${h.readUInt32BE(6).toString(36)}`;
  }
}

interface OrgInfo {
  id: string;
  name: string;
  weight: number;
  users: string[];
  cases: number;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const config = loadConfig(
    { WAGGLE_DATA_DIR: DIR, WAGGLE_MODE: 'production', WAGGLE_ADMIN_PASSWORD: ADMIN_PASSWORD, WAGGLE_LOG_LEVEL: 'warn', WAGGLE_SQLITE_SYNCHRONOUS: 'NORMAL' },
    process.cwd(),
  );
  const w = await createWaggle(config, { logger: false });
  const { services } = w;
  const store: EntityStore = services.store;
  const sys = systemActor('', ADMIN_ORG);

  // ---- organisations, users, custom fields ----
  const orgs: OrgInfo[] = [];
  for (const [name, weight] of [
    ['soc-main', 0.6],
    ['soc-emea', 0.3],
    ['cert-team', 0.1],
  ] as const) {
    const org = await services.orgs.createUnchecked(sys, { name, description: `Benchmark organisation ${name}` });
    const users: string[] = [];
    for (let i = 0; i < 20; i++) {
      const login = `analyst${i + 1}@${name}.bench`;
      await services.users.create(sys, { login, name: `Analyst ${i + 1} (${name})`, profile: 'analyst', organisation: name });
      users.push(login);
    }
    orgs.push({ id: org._id, name, weight, users, cases: 0 });
  }
  const mainOrg = orgs[0];
  const benchLogin = `bench@${mainOrg.name}.bench`;
  await services.users.create(sys, { login: benchLogin, name: 'Benchmark org-admin', profile: 'org-admin', organisation: mainOrg.name });
  const apiKey = await services.users.renewKey(sys, benchLogin);

  const now = Date.now();
  const cfDefs = [
    { name: 'businessUnit', type: 'string', options: ['finance', 'hr', 'it', 'sales', 'rnd', 'legal', 'ops'] },
    { name: 'hits', type: 'integer', options: [] as string[] },
  ];
  for (const cf of cfDefs) {
    const id = store.newId();
    await store.batch([
      { op: 'claim', scope: 'customField.name', key: cf.name, owner: id },
      {
        op: 'insert',
        doc: {
          _id: id,
          _type: 'customField',
          _createdAt: now,
          _createdBy: sys.login,
          _orgs: [ALL_ORGS],
          _parents: {},
          name: cf.name,
          displayName: cf.name,
          group: 'default',
          description: `Benchmark field ${cf.name}`,
          type: cf.type,
          options: cf.options,
          mandatory: false,
        },
      },
    ]);
  }
  const tBoot = performance.now();

  // ---- per-case child counts (skewed: a few cases hold many observables) ----
  const obsPerCase = allocate(OBSERVABLES, CASES, () => Math.exp(1.1 * gaussian()));
  const tasksPerCase = allocate(TASKS, CASES, () => (chance(0.15) ? 0 : 1 + rand() * 2));
  const HOT = Math.max(100, Math.round(20_000 * SCALE));
  const TAIL = Math.max(1000, Math.round(600_000 * SCALE));
  const SAMPLE = 2000;
  const samples: Array<{ dataType: string; data: string }> = [];
  let obsSeen = 0;

  const start = now - 730 * DAY;
  const written = { cases: 0, tasks: 0, observables: 0, claims: 0 };
  let lastLog = performance.now();
  for (let base = 0; base < CASES; base += CHUNK) {
    const n = Math.min(CHUNK, CASES - base);
    const ops: BatchOp[] = [];
    const orgOf = Array.from({ length: n }, () => weighted(orgs.map((o) => [o, o.weight] as const)));
    const numbers = await Promise.all(orgOf.map((o) => store.nextSequence(`case.number.${o.id}`)));
    for (let k = 0; k < n; k++) {
      const i = base + k;
      const org = orgOf[k];
      org.cases++;
      // chronological: ids grow with creation time, as in a live instance
      const createdAt = Math.round(start + ((i + rand()) / CASES) * 730 * DAY);
      const age = now - createdAt;
      const openP = age < 30 * DAY ? 0.7 : age < 180 * DAY ? 0.15 : 0.02;
      const open = chance(openP);
      const status = open
        ? chance(0.35)
          ? 'New'
          : 'InProgress'
        : weighted<string>([
            ['TruePositive', 35],
            ['FalsePositive', 40],
            ['Indeterminate', 15],
            ['Other', 5],
            ['Duplicated', 5],
          ]);
      const stage = stageOf(status);
      const category = pick(CATEGORIES);
      const tags = [category, pick(SOURCES)];
      if (chance(0.7)) tags.push(pick(CUSTOMERS));
      if (chance(0.3)) tags.push(pick(EXTRA_TAGS));
      const severity = weighted<number>([
        [1, 20],
        [2, 50],
        [3, 25],
        [4, 5],
      ]);
      const creator = pick(org.users);
      const assignee = chance(open ? 0.85 : 0.95) ? pick(org.users) : undefined;
      const startDate = createdAt - int(6 * 3600_000);
      const inProgressDate = stage !== 'New' ? createdAt + int(4 * 3600_000) : undefined;
      const closedDate = stage === 'Closed' ? Math.min(now - 1000, createdAt + Math.round(DAY * Math.exp(1.5 * gaussian()) * 2)) : undefined;
      const customFields = chance(0.5)
        ? [
            { _id: store.newId(), name: 'businessUnit', type: 'string', value: pick(cfDefs[0].options), order: 0 },
            ...(chance(0.5) ? [{ _id: store.newId(), name: 'hits', type: 'integer', value: int(500), order: 1 }] : []),
          ]
        : [];
      const caseDoc: NewDoc = {
        _id: store.newId(),
        _type: 'case',
        _createdAt: createdAt,
        _createdBy: creator,
        ...(stage !== 'New' ? { _updatedAt: closedDate ?? inProgressDate, _updatedBy: assignee ?? creator } : {}),
        _orgs: [org.id],
        _parents: {},
        number: numbers[k],
        owningOrganisation: org.id,
        title: `${category[0].toUpperCase()}${category.slice(1)} on ${WORDS[int(WORDS.length)]}-ws${int(10000)} (${pick(SOURCES).slice(4)})`,
        description: `## Summary\n\n${sentence(40 + int(160))}\n\n## Details\n\n${sentence(20 + int(80))}`,
        severity,
        startDate,
        tags,
        flag: chance(0.08),
        tlp: weighted<number>([
          [0, 5],
          [1, 20],
          [2, 60],
          [3, 10],
          [4, 5],
        ]),
        pap: weighted<number>([
          [0, 5],
          [1, 15],
          [2, 70],
          [3, 10],
        ]),
        status,
        stage,
        ...(stage === 'Closed' ? { summary: sentence(10 + int(30)), impactStatus: pick(['NotApplicable', 'WithImpact', 'NoImpact']) } : {}),
        ...(assignee ? { assignee } : {}),
        customFields,
        access: { _kind: 'OrganisationAccessKind' },
        taskRule: 'manual',
        observableRule: 'manual',
        newDate: createdAt,
        ...(inProgressDate ? { inProgressDate } : {}),
        ...(closedDate ? { closedDate, endDate: closedDate, timeToResolve: closedDate - createdAt, handlingDuration: closedDate - startDate } : {}),
        timeToDetect: 0,
      };
      ops.push({ op: 'insert', doc: caseDoc });
      written.cases++;

      const actor = { ...sys, login: creator };
      const nt = tasksPerCase[i];
      for (let t = 0; t < nt; t++) {
        const [title, group] = TASK_TEMPLATES[(t + int(3)) % TASK_TEMPLATES.length];
        const tstatus: string = stage === 'Closed' ? (chance(0.9) ? 'Completed' : 'Cancel') : pick(TASK_STATUSES.slice(0, 3));
        const task = buildTaskDoc(store, actor, caseDoc, {
          title,
          group,
          ...(chance(0.5) ? { description: sentence(10 + int(40)) } : {}),
          status: tstatus,
          order: t,
          ...(chance(0.7) && assignee ? { assignee } : {}),
          ...(tstatus !== 'Waiting' ? { startDate: createdAt + int(DAY) } : {}),
          ...(tstatus === 'Completed' ? { endDate: Math.min(now, createdAt + DAY + int(5 * DAY)) } : {}),
          ...(chance(0.1) ? { dueDate: createdAt + 3 * DAY } : {}),
          mandatory: chance(0.1),
        });
        task._createdAt = createdAt + int(3600_000);
        ops.push({ op: 'insert', doc: task });
        written.tasks++;
      }

      const no = obsPerCase[i];
      const keys = new Set<string>();
      for (let o = 0; o < no; o++) {
        let dataType = '';
        let data = '';
        for (let attempt = 0; attempt < 20; attempt++) {
          // 35% from a hot pool (the same IOC seen in many cases), the rest from a long tail with some repeats
          if (chance(0.35)) {
            const r = zipf(HOT);
            dataType = OBS_TYPES[r % OBS_TYPES.length][0];
            data = obsData(dataType, r);
          } else {
            dataType = weighted(OBS_TYPES);
            data = obsData(dataType, HOT + int(TAIL));
          }
          if (!keys.has(`${dataType}|${data}`)) break;
        }
        const key = observableKey({ dataType, data });
        if (keys.has(key)) continue;
        keys.add(key);
        const createdObs = createdAt + int(2 * DAY);
        const obs: NewDoc = {
          _id: store.newId(),
          _type: 'observable',
          _createdAt: Math.min(now, createdObs),
          _createdBy: creator,
          _orgs: caseDoc._orgs,
          _parents: { case: caseDoc._id },
          dataType,
          data,
          ...(chance(0.3) ? { message: sentence(5 + int(20)) } : {}),
          startDate: Math.min(now, createdObs),
          tlp: caseDoc.tlp,
          pap: caseDoc.pap,
          tags: chance(0.6) ? [...new Set([pick(OBS_TAGS), ...(chance(0.3) ? [pick(OBS_TAGS)] : [])])] : [],
          ioc: chance(0.15),
          sighted: chance(0.1),
          ignoreSimilarity: false,
          reports: {},
        };
        ops.push({ op: 'insert', doc: obs }, { op: 'claim', scope: `observable.case.${caseDoc._id}`, key, owner: obs._id });
        written.observables++;
        written.claims++;
        obsSeen++;
        // reservoir sample of observables, for the search scenario
        if (samples.length < SAMPLE) samples.push({ dataType, data });
        else {
          const j = int(obsSeen);
          if (j < SAMPLE) samples[j] = { dataType, data };
        }
      }
    }
    await store.batch(ops);
    if (performance.now() - lastLog > 5000) {
      lastLog = performance.now();
      const s = (performance.now() - tBoot) / 1000;
      process.stderr.write(
        `  seeded ${written.cases}/${CASES} cases, ${written.tasks} tasks, ${written.observables} observables (${s.toFixed(0)} s, ${Math.round((written.cases + written.tasks + written.observables) / s)} docs/s)\n`,
      );
    }
  }
  const tData = performance.now();
  if (args.analyze) (store as unknown as { analyze(): void }).analyze();
  const tAnalyze = performance.now();
  await w.close();
  const tEnd = performance.now();

  const docs = written.cases + written.tasks + written.observables;
  const info = {
    scale: SCALE,
    seed: Number(args.seed),
    analyzed: args.analyze,
    counts: written,
    orgs: orgs.map(({ id, name, cases, users }) => ({ id, name, cases, users })),
    bench: { login: benchLogin, org: mainOrg.name, orgId: mainOrg.id, apiKey, adminLogin: config.admin.login, adminPassword: ADMIN_PASSWORD },
    observableSamples: samples,
    seededAt: now,
    timings: {
      bootstrapMs: Math.round(tBoot - t0),
      dataMs: Math.round(tData - tBoot),
      analyzeMs: Math.round(tAnalyze - tData),
      closeMs: Math.round(tEnd - tAnalyze),
      totalMs: Math.round(tEnd - t0),
      docsPerSecond: Math.round(docs / ((tData - tBoot) / 1000)),
    },
  };
  writeFileSync(join(DIR, 'bench.json'), JSON.stringify(info, null, 1));
  process.stderr.write(
    `seeded ${written.cases} cases, ${written.tasks} tasks, ${written.observables} observables (+${written.claims} claims) in ${(info.timings.totalMs / 1000).toFixed(1)} s ` +
      `(${info.timings.docsPerSecond} docs/s${args.analyze ? `, ANALYZE ${info.timings.analyzeMs} ms` : ''})\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
