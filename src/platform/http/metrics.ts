// Prometheus metrics: process defaults, HTTP request counts and latencies, and job queue depth by state.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../db/index.ts';

export interface Metrics {
  contentType: string;
  observeRequest(method: string, route: string, status: number, elapsedMs: number): void;
  render(): Promise<string>;
}

export function createMetrics(db: Db): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'siyu_' });
  const requests = new Counter({
    name: 'siyu_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'siyu_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'siyu_jobs',
    help: 'Jobs by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const rows = await db.query<{ state: string; n: number }>(
        `SELECT state, count(*)::int AS n FROM jobs WHERE state <> 'succeeded' GROUP BY state`,
      );
      this.reset();
      for (const state of ['queued', 'running', 'dead']) {
        this.set({ state }, rows.find((r) => r.state === state)?.n ?? 0);
      }
    },
  });
  return {
    contentType: registry.contentType,
    observeRequest(method, route, status, elapsedMs) {
      requests.inc({ method, route, status: String(status) });
      latency.observe({ method, route }, elapsedMs / 1000);
    },
    render: () => registry.metrics(),
  };
}
