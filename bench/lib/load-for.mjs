// Duration-based load: `concurrency` keep-alive clients send requests built by `make(i)` for
// `seconds`, after an unmeasured warm-up. Reports the sustained rate and latency percentiles.
import http from 'node:http';
import { percentile, request } from './load.mjs';

// `onMeasure` (optional): called with 'start' and 'end' around the measured phase (after the warm-up),
// e.g. to read CPU counters; whatever it returns at 'end' is reported as `measured`.
export async function runFor({ name, target, concurrency, seconds, make, check, warmupSeconds = 3, onMeasure = () => undefined }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const ok =
    check ??
    ((res) => {
      if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}: ${res.body.slice(0, 300)}`);
    });
  let next = 0;
  const phase = async (secs, record) => {
    const lat = [];
    let errors = 0;
    let firstError;
    const end = performance.now() + secs * 1000;
    const started = performance.now();
    const worker = async () => {
      while (performance.now() < end) {
        const i = next++;
        try {
          const res = await request(agent, target, make(i));
          ok(res, i);
          if (record) lat.push(res.ms);
        } catch (e) {
          errors++;
          firstError ??= String(e?.message ?? e);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return { lat, errors, firstError, seconds: (performance.now() - started) / 1000 };
  };
  if (warmupSeconds > 0) await phase(warmupSeconds, false);
  await onMeasure('start');
  const { lat, errors, firstError, seconds: secs } = await phase(seconds, true);
  const measured = await onMeasure('end', lat.length);
  agent.destroy();
  lat.sort((a, b) => a - b);
  const round = (x) => Math.round(x * 100) / 100;
  return {
    name,
    concurrency,
    requests: lat.length,
    errors,
    ...(firstError ? { firstError } : {}),
    seconds: round(secs),
    rps: round(lat.length / secs),
    p50: round(percentile(lat, 50)),
    p95: round(percentile(lat, 95)),
    p99: round(percentile(lat, 99)),
    max: round(lat[lat.length - 1] ?? NaN),
    ...(measured !== undefined ? { measured } : {}),
  };
}
