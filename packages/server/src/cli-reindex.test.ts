import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

// The cluster path (Cassandra → OpenSearch) is exercised by the store's reindex test on real
// engines (packages/server-cluster); here, the command on an embedded installation.
test('waggle reindex on the embedded store says there is nothing to rebuild and exits 2, without touching the data', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'waggle-reindex-'));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join('packages', 'server', 'src', 'main.ts'), 'reindex'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, WAGGLE_MODE: 'test', WAGGLE_DATA_DIR: dataDir, WAGGLE_LOG_LEVEL: 'error' },
      timeout: 60_000,
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /rebuilds the OpenSearch indexes of a cluster store/);
    assert.match(r.stderr, /embedded SQLite store/);
    assert.equal(r.stdout, '');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
