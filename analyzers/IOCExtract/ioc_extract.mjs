#!/usr/bin/env node
// Waggle built-in analyzer: extracts indicators (IPs, domains, URLs, hashes, e-mail addresses,
// defanged forms included) from a text observable or a file, and returns them as artifacts.
import { run, taxonomy } from '../lib/cortex.mjs';
import { extract } from '../lib/ioc.mjs';

await run((j) => {
  const text = j.filePath ? j.readFile().toString('utf8') : String(j.data ?? '');
  const iocs = extract(text);
  const total = Object.values(iocs).reduce((n, l) => n + l.length, 0);
  const taxonomies =
    total === 0
      ? [taxonomy('info', 'IOC', 'Total', 0)]
      : Object.entries(iocs)
          .filter(([, l]) => l.length)
          .map(([k, l]) => taxonomy('info', 'IOC', k, l.length));
  const artifacts = Object.entries(iocs).flatMap(([dataType, list]) =>
    list.map((data) => ({ dataType, data, message: 'extracted by Waggle_IOCExtract', tags: ['ioc-extract'] })),
  );
  j.report({ total, iocs, length: text.length }, taxonomies, artifacts);
});
