// Duration-based load: `concurrency` keep-alive clients (raw-http.mjs) send requests built by
// `make(i)` for `seconds`, after an unmeasured warm-up. Reports the sustained rate and latency
// percentiles.
import { expect2xx, openClients, percentile } from './load.mjs';

// `onMeasure` (optional): called with 'start' and 'end' around the measured phase (after the warm-up),
// e.g. to read CPU counters; whatever it returns at 'end' is reported as `measured`.
// `keepBody` (default 'errors'): responses keep their body for non-2xx answers only (what the
// default check reads); `true` when `check` reads the body of a 2xx answer.
export async function runFor({ name, target, concurrency, seconds, make, check, warmupSeconds = 3, onMeasure = () => undefined, keepBody = 'errors' }) {
  const clients = openClients(target, concurrency, keepBody);
  const ok = check ?? expect2xx;
  let next = 0;
  const phase = async (secs, record) => {
    const lat = [];
    let errors = 0;
    let firstError;
    const end = performance.now() + secs * 1000;
    const started = performance.now();
    const worker = async (client) => {
      while (performance.now() < end) {
        const i = next++;
        try {
          const res = await client.send(make(i));
          ok(res, i);
          if (record) lat.push(res.ms);
        } catch (e) {
          errors++;
          firstError ??= String(e?.message ?? e);
        }
      }
    };
    await Promise.all(clients.map(worker));
    return { lat, errors, firstError, seconds: (performance.now() - started) / 1000 };
  };
  if (warmupSeconds > 0) await phase(warmupSeconds, false);
  await onMeasure('start');
  const { lat, errors, firstError, seconds: secs } = await phase(seconds, true);
  const measured = await onMeasure('end', lat.length);
  for (const c of clients) c.close();
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
