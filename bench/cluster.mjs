#!/usr/bin/env node
// The cluster benchmark (issue 7): alert ingestion and query p95 through HAProxy on the 3-node
// topology. See bench/cluster.ts and docs/benchmarks.md.
//
//   node bench/cluster.mjs                          # 60 s of ingestion, 32 clients, 20 observables; 200 queries of each kind
//   node bench/cluster.mjs --seconds 10 --queries 50   # smoke run
//
// Needs the engines of scripts/engines/ (a running 3-node Cassandra and OpenSearch are used as
// they are; otherwise they are started and stopped again), HAProxy and MinIO built.
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/cluster.ts', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
