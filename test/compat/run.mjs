#!/usr/bin/env node
// Compatibility suite: runs the real thehive4py client (from PyPI) against a real Waggle process.
//
//   node test/compat/run.mjs                    # whole suite
//   node test/compat/run.mjs -k test_case       # any extra arguments go to pytest
//   node test/compat/run.mjs test_user_endpoint.py::TestUserEndpoint::test_create_and_get
//   WAGGLE_COMPAT_TARGET_URL=http://127.0.0.1:8080 node test/compat/run.mjs   # an already running Waggle
//
// The steps (virtualenv, server, pytest, summary line) and the environment knobs are described in
// test/support/pytest-suite.mjs.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPytestSuite } from '../support/pytest-suite.mjs';

await runPytestSuite({
  name: 'compat',
  dir: dirname(fileURLToPath(import.meta.url)),
  imports: ['thehive4py', 'pytest', 'pytest_timeout'],
});
