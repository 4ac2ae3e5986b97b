// The seeded data directory shared by the benchmarks: `bench/seed.ts` output cached under
// bench/.data/seed-<key>, keyed by the seed parameters and the sources that shape the data.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Returns `{dir, info}` of the seeded directory, seeding it first when needed. */
export function ensureSeed(root, { scale, seed, analyze = false, reseed = false, log = () => {} }) {
  // the same key as bench/run.mjs: the seed script and everything that shapes the stored data
  const shaping = [
    'bench/seed.ts',
    'packages/server/src/entities/registry.ts',
    'packages/server/src/storage/sqlite/schema.ts',
    'packages/server/src/storage/sqlite/sqlite-entity-store.ts',
  ]
    .map((f) => readFileSync(join(root, f), 'utf8'))
    .join('\0');
  const key = `seed-s${scale}-r${seed}${analyze ? '-a' : ''}-${createHash('sha256').update(shaping).digest('hex').slice(0, 10)}`;
  const dir = join(root, 'bench', '.data', key);
  if (reseed || !existsSync(join(dir, 'bench.json'))) {
    const tmp = `${dir}.tmp`;
    log(`seeding ${key} (scale ${scale}) ...`);
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bench/seed.ts', '--dir', tmp, '--scale', String(scale), '--seed', String(seed), ...(analyze ? ['--analyze'] : [])],
      {
        cwd: root,
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, NODE_NO_WARNINGS: '1' },
      },
    );
    if (r.status !== 0) process.exit(r.status ?? 1);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    // older seeds of the same parameters only take disk space
    const prefix = `seed-s${scale}-r${seed}${analyze ? '-a' : ''}-`;
    for (const d of readdirSync(join(root, 'bench', '.data'))) {
      if (d.startsWith(prefix) && /^[0-9a-f]{10}$/.test(d.slice(prefix.length)) && join(root, 'bench', '.data', d) !== dir)
        rmSync(join(root, 'bench', '.data', d), { recursive: true, force: true });
    }
    const info = JSON.parse(readFileSync(join(dir, 'bench.json'), 'utf8'));
    return { dir, key, info: { ...info, cached: false } };
  }
  const info = JSON.parse(readFileSync(join(dir, 'bench.json'), 'utf8'));
  log(`reusing the seeded data in bench/.data/${key}`);
  return { dir, key, info: { ...info, cached: true } };
}
