/**
 * Prometheus text for the pool. Worker-side counters arrive as numbers (see metrics-pool.ts);
 * here each live worker's snapshot and the retired totals become prom-client metric JSON and
 * are summed by prom-client's `AggregatorRegistry.aggregate` (the same code that merges
 * cluster workers in prom-client's own cluster mode). Master-side values (restarts, per-worker
 * gauges) are ordinary prom-client metrics whose `collect()` reads the master's state.
 */
import { AggregatorRegistry, Counter, Gauge, Registry, type PrometheusContentType } from 'prom-client';
import { DURATION_BUCKETS, QUEUE_BUCKETS, STATUS_CLASSES, type HistogramSnapshot } from '../ipc/stats-snapshot.js';
import type { MasterStatus, WorkerSnapshot } from '../control/protocol.js';
import { dirtyMetricsJson } from '../dirty/views.js';
import type { DirtyView } from '../dirty/pool.js';
import { RESTART_REASONS, emptyTotals, histogramCount, type CounterTotals, type PoolMetrics } from './metrics-pool.js';

export interface MetricsSource {
  readonly pool: PoolMetrics;
  status(): MasterStatus;
  workerSnapshots(): WorkerSnapshot[];
  /** Lines the master's own error log could not write. */
  masterLogDropped?(): number;
  /** The dirty pool, when there is one (src/dirty/views.ts). */
  readonly dirty?: { view(): DirtyView } | undefined;
}

interface JsonValue {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly metricName?: string;
}

interface JsonMetric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly aggregator: 'sum';
  readonly values: JsonValue[];
}

function histogramValues(name: string, bounds: readonly number[], h: HistogramSnapshot, labels: Record<string, string>): JsonValue[] {
  const values: JsonValue[] = [];
  let cumulative = 0;
  bounds.forEach((le, i) => {
    cumulative += h.counts[i] ?? 0;
    values.push({ value: cumulative, labels: { ...labels, le }, metricName: `${name}_bucket` });
  });
  cumulative += h.counts[bounds.length] ?? 0;
  values.push({ value: cumulative, labels: { ...labels, le: '+Inf' }, metricName: `${name}_bucket` });
  values.push({ value: h.sum, labels, metricName: `${name}_sum` });
  values.push({ value: cumulative, labels, metricName: `${name}_count` });
  return values;
}

/** One worker's (or the retired workers') counters as prom-client metric JSON. */
export function totalsToJson(t: CounterTotals, inFlight: number | undefined): JsonMetric[] {
  const metric = (name: string, help: string, type: JsonMetric['type'], values: JsonValue[]): JsonMetric => ({
    name,
    help,
    type,
    aggregator: 'sum',
    values,
  });
  const duration: JsonValue[] = [];
  const count: JsonValue[] = [];
  for (const cls of STATUS_CLASSES) {
    const h = t.duration[cls];
    if (h === undefined) continue;
    duration.push(...histogramValues('tsgun_http_request_duration_seconds', DURATION_BUCKETS, h, { status_class: cls }));
    count.push({ value: histogramCount(h), labels: { status_class: cls } });
  }
  const out = [
    metric('tsgun_http_requests_total', 'Requests answered by the app, by response status class.', 'counter', count),
    metric(
      'tsgun_http_request_duration_seconds',
      'Time from the request head being parsed to the response finishing, by status class.',
      'histogram',
      duration,
    ),
    metric('tsgun_http_requests_aborted_total', 'Requests whose connection closed before the response finished.', 'counter', [
      { value: t.aborted, labels: {} },
    ]),
    metric(
      'tsgun_http_request_queue_seconds',
      'Time a request waited in its worker before the app got it: from accept (a reused connection: from its parsed head) to dispatch.',
      'histogram',
      t.queue === undefined ? [] : histogramValues('tsgun_http_request_queue_seconds', QUEUE_BUCKETS, t.queue, {}),
    ),
    metric(
      'tsgun_http_request_upstream_queue_seconds',
      "Time from a trusted proxy's X-Request-Start to dispatch: includes the kernel accept queue (requests that carried the header).",
      'histogram',
      t.upstreamQueue === undefined ? [] : histogramValues('tsgun_http_request_upstream_queue_seconds', QUEUE_BUCKETS, t.upstreamQueue, {}),
    ),
    metric('tsgun_http_requests_shed_total', 'Requests answered 503 + Retry-After by --max-queue-time instead of running.', 'counter', [
      { value: t.shed, labels: {} },
    ]),
    metric(
      'tsgun_http_parser_rejections_total',
      'Requests the HTTP engine refused before the app saw them, by status and reason.',
      'counter',
      Object.entries(t.rejections).map(([key, value]) => {
        const space = key.indexOf(' ');
        return { value, labels: { status: key.slice(0, space), reason: key.slice(space + 1) } };
      }),
    ),
  ];
  if (inFlight !== undefined) {
    out.push(
      metric('tsgun_http_requests_in_flight', 'Requests being handled by the app right now.', 'gauge', [{ value: inFlight, labels: {} }]),
    );
  }
  return out;
}

/** The master's own metrics, reading live state on every scrape. */
function masterRegistry(source: MetricsSource): Registry {
  const registry = new Registry();
  const workerLabels = ['worker', 'pid'] as const;
  new Gauge({
    name: 'tsgun_workers',
    help: 'Worker processes alive (booting, serving or stopping).',
    registers: [registry],
    collect() {
      this.set(source.status().workers.running);
    },
  });
  new Gauge({
    name: 'tsgun_workers_target',
    help: 'Number of workers the master keeps (--workers, scaling).',
    registers: [registry],
    collect() {
      this.set(source.status().workers.target);
    },
  });
  new Counter({
    name: 'tsgun_worker_restarts_total',
    help: 'Workers replaced by the master, by reason (crash, timeout, max-requests, memory, reload, killed).',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const reason of RESTART_REASONS) this.inc({ reason }, source.pool.exits().get(reason) ?? 0);
    },
  });
  new Counter({
    name: 'tsgun_log_lines_dropped_total',
    help: 'Log lines that could not be written (a full disk, a failing log file), master and workers.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(source.pool.totals().faults.logDropped + (source.masterLogDropped?.() ?? 0));
    },
  });
  new Counter({
    name: 'tsgun_send_timeouts_total',
    help: 'Connections destroyed because the client read nothing of the response for --send-timeout seconds.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(source.pool.totals().faults.sendTimeouts);
    },
  });
  new Counter({
    name: 'tsgun_worker_exits_total',
    help: 'Worker processes that exited, by reason (restarts plus scale-down, shutdown, halt).',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of source.pool.exits()) this.inc({ reason }, n);
    },
  });
  new Gauge({
    name: 'tsgun_listen_backlog',
    help: 'Connections waiting in the kernel accept queue of each listening TCP socket (rx_queue in /proc/net/tcp).',
    labelNames: ['listener'],
    registers: [registry],
    collect() {
      this.reset();
      for (const q of source.status().listenBacklog ?? []) this.set({ listener: q.listener }, q.queued);
    },
  });
  new Gauge({
    name: 'tsgun_listen_backlog_limit',
    help: 'The accept queue limit of each listening TCP socket (--backlog, capped by net.core.somaxconn).',
    labelNames: ['listener'],
    registers: [registry],
    collect() {
      this.reset();
      for (const q of source.status().listenBacklog ?? []) this.set({ listener: q.listener }, q.max);
    },
  });
  new Gauge({
    name: 'tsgun_worker_busy_ratio',
    help: 'Fraction of the last heartbeat interval during which the worker had a request in flight.',
    labelNames: workerLabels,
    registers: [registry],
    collect() {
      this.reset();
      for (const w of source.workerSnapshots()) {
        if (w.busyRatio !== null) this.set({ worker: w.id, pid: w.pid }, w.busyRatio);
      }
    },
  });
  new Gauge({
    name: 'tsgun_worker_upgraded_connections',
    help: "Connections each worker handed to the app's 'upgrade' listeners (WebSocket) that are still open.",
    labelNames: workerLabels,
    registers: [registry],
    collect() {
      this.reset();
      for (const w of source.workerSnapshots()) this.set({ worker: w.id, pid: w.pid }, w.upgraded);
    },
  });
  new Gauge({
    name: 'tsgun_worker_resident_memory_bytes',
    help: 'Resident set size of each worker process.',
    labelNames: workerLabels,
    registers: [registry],
    collect() {
      this.reset();
      for (const w of source.workerSnapshots()) if (w.rss !== null) this.set({ worker: w.id, pid: w.pid }, w.rss);
    },
  });
  new Gauge({
    name: 'tsgun_worker_heartbeat_age_seconds',
    help: 'Seconds since each worker last reported (a stuck event loop shows here before the timeout kills it).',
    labelNames: workerLabels,
    registers: [registry],
    collect() {
      this.reset();
      for (const w of source.workerSnapshots()) this.set({ worker: w.id, pid: w.pid }, w.lastHeartbeatMs / 1000);
    },
  });
  new Gauge({
    name: 'tsgun_master_start_time_seconds',
    help: 'Start time of the master process since the Unix epoch.',
    registers: [registry],
    collect() {
      this.set(source.status().startedAt / 1000);
    },
  });
  return registry;
}

export class MetricsExposition {
  readonly #source: MetricsSource;
  readonly #master: Registry;

  constructor(source: MetricsSource) {
    this.#source = source;
    this.#master = masterRegistry(source);
  }

  get contentType(): string {
    return this.#master.contentType;
  }

  async render(): Promise<string> {
    const pool = this.#source.pool;
    const inputs: JsonMetric[][] = [totalsToJson(pool.retired, 0)];
    for (const pid of pool.livePids) {
      const stats = pool.latest(pid);
      const t: CounterTotals = emptyTotals();
      if (stats !== undefined) {
        t.duration = { ...stats.duration };
        t.aborted = stats.aborted;
        t.queue = stats.queue;
        t.upstreamQueue = stats.upstreamQueue;
        t.shed = stats.shed ?? 0;
        t.rejections = { ...stats.rejections };
      }
      inputs.push(totalsToJson(t, stats?.inFlight ?? 0));
    }
    inputs.push(dirtyMetricsJson(this.#source.dirty?.view()));
    const pooled = AggregatorRegistry.aggregate<PrometheusContentType>(inputs);
    return Registry.merge([this.#master, pooled]).metrics();
  }
}
