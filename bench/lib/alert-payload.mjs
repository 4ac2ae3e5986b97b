/**
 * The alert the ingestion benchmark sends: a SIEM-like alert of about 2.7 kB with `observables`
 * observables (IPs, domains, hashes, URLs). Half of the values repeat across alerts (known
 * infrastructure), so similarity and the data index see realistic overlap.
 */
/**
 * @param {string} ref  the sourceRef (unique per alert)
 * @param {number} observables  how many observables
 * @param {number} n  the alert's serial number (drives the values)
 * @returns {{type: string, source: string, sourceRef: string, title: string, description: string, severity: number, tags: string[], observables: Array<{dataType: string, data: string}>}}
 */
export function alertPayload(ref, observables, n) {
  const obs = [];
  for (let i = 0; i < observables; i++) {
    const shared = i % 2 === 0;
    const k = shared ? (n * 7 + i) % 500 : n * 1000 + i;
    switch (i % 4) {
      case 0:
        obs.push({ dataType: 'ip', data: `198.51.${(k >> 8) & 255}.${k & 255}` });
        break;
      case 1:
        obs.push({ dataType: 'domain', data: `host-${k}.bench.example` });
        break;
      case 2:
        obs.push({ dataType: 'hash', data: `${k.toString(16).padStart(8, '0')}${'ab'.repeat(28)}` });
        break;
      default:
        obs.push({ dataType: 'url', data: `https://host-${k}.bench.example/path/${i}?q=${n}` });
    }
  }
  return {
    type: 'siem',
    source: 'bench-ingest',
    sourceRef: ref,
    title: `Suspicious activity ${ref}: outbound connection to known C2 infrastructure`,
    description:
      'Correlation rule 4711 fired: a workstation contacted several hosts listed in the threat feed within five minutes. ' +
      'Review the observables, check the proxy logs for the same user, and escalate if a payload was downloaded.\n\n' +
      `**Rule**: 4711 "Outbound to known C2" (severity high, confidence 80), window 5 min, threshold 3 distinct destinations.\n` +
      `**Host**: WS-${String(n % 9000).padStart(4, '0')}.corp.example (Windows 11 23H2), owner: user${n % 700}@corp.example, site ${n % 5}.\n` +
      `**First event**: proxy deny at the perimeter, then allowed through the fallback proxy 35 s later; ${3 + (n % 6)} connections in total, ` +
      'two of them TLS with a self-signed certificate whose subject matches a known loader family.\n' +
      '**Process**: C:\\Users\\Public\\update\\svc-helper.exe started by explorer.exe, unsigned, created 4 minutes before the first connection; ' +
      'the file hash is among the observables.\n' +
      '**Enrichment**: 2 of the destinations are listed by two feeds, 1 resolves to a hosting provider of short-lived infrastructure.\n\n' +
      'Suggested next steps: isolate the host if the EDR shows the payload executing, collect the process tree and memory image, ' +
      'block the domains at the resolver, and search the proxy logs of the last 7 days for the same destinations.',
    severity: 2 + (n % 3),
    tags: ['bench', `rule:4711`, `site:${n % 5}`],
    observables: obs,
  };
}
