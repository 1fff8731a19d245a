import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics. Every label has a bounded set of values: routes are the
 * registered patterns (never the raw URL), and there is no realm label, since
 * realms can be created at will.
 *
 * The counters that code outside HTTP increments (a sign-in failing in the domain,
 * a token issued by a grant) live here, once per process, as prom-client's own
 * metrics do; what belongs to one server (request timings, its database pool) is
 * registered per app and merged in at scrape time.
 */
const processRegistry = new Registry();
let defaultMetricsStarted = false;

/** Access tokens issued: by the token endpoint after a grant succeeded, and by the authorization endpoint (`implicit`). */
export const tokensIssued = new Counter({
  name: 'latchkey_tokens_issued_total',
  help: 'Token responses issued by the token endpoint, per grant type, and access tokens issued by the authorization endpoint (grant_type implicit)',
  labelNames: ['grant_type'] as const,
  registers: [processRegistry],
});

/** Password sign-ins (login page and password grant) that failed. */
export const signInFailures = new Counter({
  name: 'latchkey_sign_in_failures_total',
  help: 'Password sign-ins that failed, per reason (invalid_credentials, disabled, locked)',
  labelNames: ['reason'] as const,
  registers: [processRegistry],
});

/** Tries to hand a queued mail to its realm's mail server (mail/worker.ts). */
export const mailDeliveries = new Counter({
  name: 'latchkey_mail_deliveries_total',
  help: 'Tries to send a queued mail, per template and result (sent; retry: failed, tried again later; failed: given up)',
  labelNames: ['template', 'result'] as const,
  registers: [processRegistry],
});

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export interface MetricsOptions {
  /** Path prefix before /metrics ('' for none). */
  relativePath: string;
  /** PostgreSQL's pool, read at each scrape; absent for SQLite. */
  poolStats?: () => PoolStats | undefined;
}

// Latency buckets for an identity provider: most answers take milliseconds, a password check ~50-200 ms.
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Times every request and serves the metrics at <relative path>/metrics. */
export function registerMetrics(app: FastifyInstance, { relativePath, poolStats }: MetricsOptions): void {
  if (!defaultMetricsStarted) {
    collectDefaultMetrics({ register: processRegistry });
    defaultMetricsStarted = true;
  }
  const registry = new Registry();
  const requests = new Counter({
    name: 'latchkey_http_requests_total',
    help: 'HTTP requests answered, per method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'latchkey_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, per method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: BUCKETS,
    registers: [registry],
  });
  if (poolStats) {
    const gauge = (name: string, help: string, read: (s: PoolStats) => number) => new Gauge({
      name, help, registers: [registry],
      collect() {
        const stats = poolStats();
        if (stats) this.set(read(stats));
      },
    });
    gauge('latchkey_db_pool_connections', 'PostgreSQL connections open in the pool (in use and idle)', (s) => s.total);
    gauge('latchkey_db_pool_idle_connections', 'PostgreSQL connections open in the pool and idle', (s) => s.idle);
    gauge('latchkey_db_pool_waiting_requests', 'Queries waiting for a free PostgreSQL connection', (s) => s.waiting);
  }

  app.addHook('onResponse', (request, reply, done) => {
    // The pattern the router matched; anything that matched none (404s) shares one label value.
    const route = request.routeOptions.url ?? 'unmatched';
    const method = request.method;
    requests.inc({ method, route, status_code: String(reply.statusCode) });
    duration.observe({ method, route }, reply.elapsedTime / 1000);
    done();
  });

  const scraped = Registry.merge([processRegistry, registry]);
  app.get(`${relativePath}/metrics`, async (_request, reply) => {
    const body = await scraped.metrics();
    return reply.header('content-type', scraped.contentType).header('cache-control', 'no-store').send(body);
  });
}
