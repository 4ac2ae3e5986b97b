/**
 * The generated data set and expression generator of the query conformance tests: cases
 * and tasks (child of case) with scalar, multi-valued (tags) and custom fields, built from a
 * seeded PRNG so that every run (and every adapter) sees the same documents and queries.
 */
import type { Expr, Scalar } from '../../query/ir.js';
import { fieldValues } from '../../query/evaluate.js';
import type { Doc, EntityStore, NewDoc } from '../entity-store.js';
import { Prng } from './prng.js';
import { World } from './reference.js';
import { insertAll } from './support.js';

const WORDS = ['Phishing', 'malware', 'RANSOMWARE', 'report', 'alpha', 'beta', '100%', 'a_b', 'Ünïcode', 'ß', 'x', 'Mail', 'mail', '007', 'zeta'];
const TAGS = ['a', 'b', 'c', 'phishing', 'Malware', 'a_b', '50%', 'x y', '7', '007', '1e3', ' 5', 'ß', 'tlp:amber'];
const TEAMS = ['Red', 'blue', '007', 'green team', '12'];
const STATUSES = ['New', 'InProgress', 'TruePositive', 'FalsePositive'];
const ASSIGNEES = ['alice', 'bob', 'Carol'];
const TASK_STATUSES = ['Waiting', 'InProgress', 'Completed', 'Cancel'];
export const ORGS = ['o1', 'o2', 'o3'];
export const MISSING_ID = '~999999999';
const BASE = Date.UTC(2024, 2, 1);

type Kind = 'string' | 'number' | 'bool' | 'multi';
interface FieldSpec {
  field: string;
  kind: Kind;
}

export const FIELDS: Record<'case' | 'task', FieldSpec[]> = {
  case: [
    { field: 'title', kind: 'string' },
    { field: 'status', kind: 'string' },
    { field: 'assignee', kind: 'string' },
    { field: 'summary', kind: 'string' },
    { field: 'description', kind: 'string' },
    { field: 'severity', kind: 'number' },
    { field: 'tlp', kind: 'number' },
    { field: 'pap', kind: 'number' },
    { field: 'number', kind: 'number' },
    { field: '_createdAt', kind: 'number' },
    { field: 'flag', kind: 'bool' },
    { field: 'tags', kind: 'multi' },
    { field: 'customFields.score', kind: 'number' },
    { field: 'customFields.team', kind: 'string' },
    { field: 'customFields.hot', kind: 'bool' },
  ],
  task: [
    { field: 'title', kind: 'string' },
    { field: 'status', kind: 'string' },
    { field: 'group', kind: 'string' },
    { field: 'assignee', kind: 'string' },
    { field: 'order', kind: 'number' },
    { field: '_createdAt', kind: 'number' },
    { field: 'flag', kind: 'bool' },
  ],
};

export interface QueryData {
  world: World;
  cases: Doc[];
  tasks: Doc[];
  /** Fixed documents the hand-written cases refer to. */
  anchors: { a1: Doc; a2: Doc; a3: Doc; t1: Doc; t2: Doc; t3: Doc };
}

function base(s: EntityStore, type: string, fields: Record<string, unknown>): NewDoc {
  return { _id: s.newId(), _type: type, _createdAt: BASE, _createdBy: 'gen@test', _orgs: ['o1'], _parents: {}, ...fields };
}

/** Builds and inserts the data set. */
export async function loadQueryData(s: EntityStore, seed = 20240301, nCases = 220, nTasks = 440): Promise<QueryData> {
  const r = new Prng(seed);
  const cf = (name: string, type: string, value: unknown, order: number) => ({ _id: `cf-${name}`, name, type, value, order });
  const a1 = base(s, 'case', {
    title: 'Anchor Phishing 100%_done',
    description: 'first anchor with a mail',
    severity: 4,
    tlp: 2,
    pap: 1,
    number: 100001,
    flag: true,
    status: 'New',
    assignee: 'alice',
    tags: ['phishing', 'a_b', '007'],
    customFields: [cf('score', 'integer', 42, 0), cf('team', 'string', 'Red', 1), cf('hot', 'boolean', true, 2)],
    _createdAt: BASE - 1000,
    _orgs: ['o1'],
  });
  const a2 = base(s, 'case', {
    title: 'anchor malware',
    description: 'second anchor',
    severity: 1,
    tlp: 0,
    pap: 0,
    number: 100002,
    flag: false,
    status: 'InProgress',
    tags: ['7', '1e3'],
    customFields: [cf('team', 'string', '007', 0), cf('empty', 'string', null, 1)],
    _createdAt: BASE - 2000,
    _orgs: ['*'],
  });
  const a3 = base(s, 'case', {
    title: 'ZZZ',
    description: 'third',
    severity: 2,
    tlp: 4,
    pap: 3,
    number: 100003,
    flag: false,
    status: 'TruePositive',
    summary: 'closed it',
    tags: [],
    customFields: [],
    _createdAt: BASE - 3000,
    _orgs: ['o2', 'o3'],
    _restrictedTo: ['alice', 'team-x'],
  });
  const cases: NewDoc[] = [a1, a2, a3];
  for (let i = 0; i < nCases; i++) {
    const customFields = [];
    if (r.bool(0.6)) customFields.push(cf('score', 'integer', r.int(-5, 50), 0));
    if (r.bool(0.6)) customFields.push(cf('team', 'string', r.pick(TEAMS), 1));
    if (r.bool(0.5)) customFields.push(cf('hot', 'boolean', r.bool(), 2));
    if (r.bool(0.2)) customFields.push(cf('empty', 'string', null, 3));
    cases.push(
      base(s, 'case', {
        title: `${r.pick(WORDS)} ${r.pick(WORDS)} ${i}`,
        description: Array.from({ length: r.int(2, 6) }, () => r.pick(WORDS)).join(' '),
        severity: r.int(1, 4),
        tlp: r.int(0, 4),
        pap: r.int(0, 3),
        number: i + 1,
        flag: r.bool(),
        status: r.pick(STATUSES),
        ...(r.bool(0.7) ? { assignee: r.pick(ASSIGNEES) } : {}),
        ...(r.bool(0.4) ? { summary: `${r.pick(WORDS)} ${r.pick(WORDS)}` } : {}),
        tags: r.sample(TAGS, r.int(0, 4)),
        customFields,
        _createdAt: BASE + r.int(0, 60) * 1000,
        _orgs: r.bool(0.1) ? ['*'] : r.sample(ORGS, r.int(1, 2)),
        ...(r.bool(0.1) ? { _restrictedTo: r.sample(['alice', 'bob', 'team-x'], r.int(1, 2)) } : {}),
      }),
    );
  }
  const t1 = base(s, 'task', {
    title: 'Check headers',
    status: 'Waiting',
    group: 'triage',
    order: 0,
    flag: true,
    assignee: 'alice',
    _parents: { case: a1._id },
    _orgs: ['o1'],
  });
  const t2 = base(s, 'task', {
    title: 'Contain',
    status: 'Completed',
    group: 'default',
    order: 1,
    flag: false,
    _parents: { case: a2._id },
    _orgs: ['o1', 'o2'],
  });
  const t3 = base(s, 'task', { title: 'Orphan', status: 'Cancel', group: 'default', order: 2, flag: false, _parents: { case: MISSING_ID }, _orgs: ['o3'] });
  const tasks: NewDoc[] = [t1, t2, t3];
  const caseIds = cases.slice(3).map((c) => c._id);
  for (let i = 0; i < nTasks; i++) {
    const roll = r.next();
    tasks.push(
      base(s, 'task', {
        title: `${r.pick(WORDS)} task ${i}`,
        status: r.pick(TASK_STATUSES),
        group: r.pick(['default', 'triage', 'forensics']),
        order: r.int(0, 9),
        flag: r.bool(),
        ...(r.bool(0.5) ? { assignee: r.pick(ASSIGNEES) } : {}),
        _parents: roll < 0.9 ? { case: r.pick(caseIds) } : roll < 0.95 ? { case: MISSING_ID } : {},
        _createdAt: BASE + r.int(0, 60) * 1000,
        _orgs: r.sample(ORGS, r.int(1, 2)),
      }),
    );
  }
  const storedCases = await insertAll(s, cases);
  const storedTasks = await insertAll(s, tasks);
  const world = new World();
  for (const d of [...storedCases, ...storedTasks]) world.add(d);
  const byId = (id: string): Doc => world.get('case', id) ?? world.get('task', id)!;
  return {
    world,
    cases: storedCases,
    tasks: storedTasks,
    anchors: { a1: byId(a1._id), a2: byId(a2._id), a3: byId(a3._id), t1: byId(t1._id), t2: byId(t2._id), t3: byId(t3._id) },
  };
}

/** Flips the case of some ASCII letters (non-ASCII case folding is not part of the contract). */
function flipAscii(r: Prng, s: string): string {
  return [...s].map((c) => (/[a-z]/i.test(c) && r.bool(0.3) ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c)).join('');
}

/** Generates random expressions over the data set, with values mostly drawn from the stored documents. */
export class ExprGen {
  private readonly observed = new Map<string, unknown[]>();

  constructor(
    private readonly r: Prng,
    private readonly data: QueryData,
  ) {}

  private values(entity: 'case' | 'task', field: string): unknown[] {
    const key = `${entity}.${field}`;
    let v = this.observed.get(key);
    if (!v) {
      v = this.data.world.all(entity).flatMap((d) => fieldValues(d, field));
      this.observed.set(key, v);
    }
    return v;
  }

  private value(entity: 'case' | 'task', spec: FieldSpec): Scalar {
    const r = this.r;
    const seen = this.values(entity, spec.field);
    if (spec.kind === 'bool') return r.bool();
    if (spec.kind === 'number') {
      const n = seen.length && r.bool(0.85) ? seen.filter((x): x is number => typeof x === 'number') : [];
      const v = n.length ? r.pick(n) + (r.bool(0.2) ? r.pick([-1, 1]) : 0) : r.int(-5, 60);
      return r.bool(0.25) ? String(v) : v;
    }
    const strs = seen.filter((x): x is string => typeof x === 'string');
    if (strs.length && r.bool(0.85)) return r.pick(strs);
    return r.pick([...TAGS, ...WORDS, 'nothing-like-this']);
  }

  private spec(entity: 'case' | 'task', kinds?: readonly Kind[]): FieldSpec {
    const all = FIELDS[entity].filter((f) => !kinds || kinds.includes(f.kind));
    return this.r.pick(all);
  }

  private text(entity: 'case' | 'task', spec: FieldSpec): string {
    const v = this.value(entity, spec);
    return String(v);
  }

  leaf(entity: 'case' | 'task', allowTraversal: boolean): Expr {
    const r = this.r;
    const kinds = ['compare', 'compare', 'compare', 'between', 'in', 'like', 'like', 'match', 'has', 'visible', 'true', 'false'];
    if (entity === 'task') kinds.push('parentId', 'parentId');
    if (allowTraversal) kinds.push(entity === 'task' ? 'parent' : 'child', entity === 'task' ? 'parent' : 'child');
    const kind = r.pick(kinds);
    switch (kind) {
      case 'compare': {
        const spec = this.spec(entity);
        if (r.bool(0.08)) return { kind: 'compare', op: r.pick(['eq', 'ne'] as const), field: spec.field, value: null };
        const op = r.pick(['eq', 'eq', 'ne', 'gt', 'gte', 'lt', 'lte'] as const);
        return { kind: 'compare', op, field: spec.field, value: this.value(entity, spec) };
      }
      case 'between': {
        const spec = this.spec(entity, ['string', 'number', 'multi']);
        const a = this.value(entity, spec);
        const b = this.value(entity, spec);
        const num = (x: Scalar) => (spec.kind === 'number' ? Number(x) : String(x));
        const [from, to] = num(a) <= num(b) || r.bool(0.1) ? [a, b] : [b, a];
        return { kind: 'between', field: spec.field, from, to };
      }
      case 'in': {
        const spec = this.spec(entity);
        return { kind: 'in', field: spec.field, values: Array.from({ length: r.int(0, 4) }, () => this.value(entity, spec)) };
      }
      case 'like': {
        const spec = this.spec(entity, ['string', 'number', 'multi']);
        const v = this.text(entity, spec);
        const mode = r.pick(['contains', 'startsWith', 'endsWith'] as const);
        const len = r.int(1, Math.max(1, Math.min(v.length, 6)));
        const start = mode === 'startsWith' ? 0 : mode === 'endsWith' ? Math.max(0, v.length - len) : r.int(0, Math.max(0, v.length - len));
        return { kind: 'like', field: spec.field, mode, value: flipAscii(r, [...v].slice(start, start + len).join('') || v), ci: r.bool() };
      }
      case 'match': {
        const spec = this.spec(entity, ['string', 'multi']);
        const words = this.text(entity, spec).split(/\s+/).filter(Boolean);
        const picked = r.sample(words.length ? words : ['x'], r.int(1, 2)).map((w) => (r.bool(0.3) && w.length > 2 ? w.slice(1) : w));
        return { kind: 'match', field: spec.field, value: flipAscii(r, picked.join(' ')) };
      }
      case 'has': {
        const fields = [...FIELDS[entity].map((f) => f.field), ...(entity === 'case' ? ['customFields.empty', 'customFields.nope'] : [])];
        return { kind: 'has', field: r.pick(fields) };
      }
      case 'visible': {
        const orgIds = r.sample([...ORGS, 'o4', '*'], r.int(0, 2));
        return r.bool(0.3) ? { kind: 'visible', orgIds, principals: r.sample(['alice', 'bob', 'team-x', 'nobody'], r.int(0, 2)) } : { kind: 'visible', orgIds };
      }
      case 'parentId':
        return { kind: 'parentId', relation: 'case', ids: r.sample([...this.data.cases.map((c) => c._id).slice(0, 40), MISSING_ID], r.int(0, 3)) };
      case 'parent':
        return { kind: 'parent', relation: 'case', parentType: 'case', where: this.expr('case', 2, false) };
      case 'child':
        return { kind: 'child', childType: 'task', relation: 'case', where: this.expr('task', 2, false) };
      case 'true':
        return { kind: 'true' };
      default:
        return { kind: 'false' };
    }
  }

  /** A random expression tree of at most `depth` levels. */
  expr(entity: 'case' | 'task', depth: number, allowTraversal = true): Expr {
    const r = this.r;
    if (depth <= 1 || r.bool(0.45)) return this.leaf(entity, allowTraversal);
    const k = r.pick(['and', 'or', 'not'] as const);
    if (k === 'not') return { kind: 'not', item: this.expr(entity, depth - 1, allowTraversal) };
    return { kind: k, items: Array.from({ length: r.int(2, 3) }, () => this.expr(entity, depth - 1, allowTraversal)) };
  }
}
