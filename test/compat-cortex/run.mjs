#!/usr/bin/env node
// Cortex compatibility suite: runs the real cortex4py client and a cortexutils analyzer (both from
// PyPI) against a real Waggle process serving its Cortex API on a second port.
//
//   node test/compat-cortex/run.mjs              # whole suite
//   node test/compat-cortex/run.mjs -k rate      # any extra arguments go to pytest
//
// Same steps as test/compat/run.mjs (see test/support/pytest-suite.mjs); Waggle is started with
// WAGGLE_ANALYSIS_PORT (a free port), WAGGLE_ANALYZER_FOLDERS = <repo>/analyzers +
// test/compat-cortex/analyzers, WAGGLE_ANALYSIS_INTERPRETERS = {".py": <venv python>} so that
// `.py` commands of definitions run with the venv's interpreter (where cortexutils is installed),
// and an auto-run rule (ip -> TestPy_1_0). pytest gets CORTEX_URL, THEHIVE_URL, THEHIVE_USER and
// THEHIVE_PASSWORD. Against a running Waggle (WAGGLE_COMPAT_TARGET_URL), set
// WAGGLE_COMPAT_CORTEX_URL to its Cortex API.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPytestSuite } from '../support/pytest-suite.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

await runPytestSuite({
  name: 'compat-cortex',
  dir: here,
  imports: ['cortex4py', 'cortexutils', 'thehive4py', 'pytest', 'pytest_timeout'],
  async prepare({ venvPython, freePort }) {
    if (process.env.WAGGLE_COMPAT_TARGET_URL) return { pytestEnv: { CORTEX_URL: process.env.WAGGLE_COMPAT_CORTEX_URL ?? '' } };
    const cortexUrl = `http://127.0.0.1:${await freePort()}`;
    return {
      serverEnv: {
        WAGGLE_ANALYSIS_PORT: new URL(cortexUrl).port,
        WAGGLE_ANALYZER_FOLDERS: [join(root, 'analyzers'), join(here, 'analyzers')].join(','),
        WAGGLE_ANALYSIS_INTERPRETERS: JSON.stringify({ '.py': venvPython }),
        WAGGLE_ANALYSIS_AUTORUN: JSON.stringify([{ dataTypes: ['ip'], analyzers: ['TestPy_1_0'] }]),
      },
      pytestEnv: { CORTEX_URL: cortexUrl },
      readyUrls: [cortexUrl],
    };
  },
});
