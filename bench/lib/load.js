// One bounded load run with autocannon (in process), and its numbers.
import autocannon from 'autocannon';

/**
 * The clients the load stands for: each request comes from the next of CLIENT_ADDRESSES addresses in
 * 10.0.0.0/16 (X-Forwarded-For, which the service honours with TRUST_PROXY=loopback), so that the per-client
 * budgets count realistic traffic per client rather than the whole benchmark as one client.
 */
export const CLIENT_ADDRESSES = 16_384;
let lastClient = 0;
export function nextClientAddress() {
  lastClient = (lastClient + 1) % CLIENT_ADDRESSES;
  return `10.0.${lastClient >> 8}.${lastClient & 255}`;
}

/**
 * Runs `connections` keep-alive connections against `url` for `duration` seconds. `next()` gives each
 * request its method, path, headers and body; returning null means "nothing left to send" (a token
 * pool ran dry): the run stops at once and says so in `exhausted`.
 *
 * Latency is recorded here from each 2xx response's own timing (autocannon's histogram keeps whole
 * milliseconds only); requests/s counts 2xx responses over the run's duration.
 */
export async function loadRun({ url, connections, duration, next }) {
  const latencies = [];
  let exhausted = false;
  let instance;
  const request = {
    setupRequest(req) {
      const spec = exhausted ? null : next();
      if (!spec) {
        if (!exhausted) {
          exhausted = true;
          setImmediate(() => instance?.stop());
        }
        // Answered 404 and counted as non-2xx; never a token sent twice.
        return { ...req, method: 'GET', path: '/__bench_pool_exhausted', headers: {} };
      }
      return { ...req, ...spec, headers: { ...spec.headers, 'x-forwarded-for': nextClientAddress() } };
    },
  };
  instance = autocannon({ url, connections, duration, requests: [request], timeout: 10 });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
  const result = await instance;
  latencies.sort((a, b) => a - b);
  const ok = result['2xx'];
  return {
    duration: result.duration,
    ok,
    rps: result.duration > 0 ? ok / result.duration : 0,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, Number(count)])),
    exhausted,
  };
}

function percentile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}
