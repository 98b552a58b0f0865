/** The overview page: delivery figures from /metrics and per-minute charts from the event log and delivery lists. */
import type { ApiResult } from "./api-client";
import type { DashContext } from "./context";
import { Layout, Notice } from "./layout";
import { perMinute } from "./series";

/** Pages of 100 read from the event log and from each subscription's deliveries (bounds the page's cost). */
export const OVERVIEW_EVENT_PAGES = 10;
/** Subscriptions whose newest deliveries feed the charts. */
export const OVERVIEW_SUBSCRIPTIONS = 20;
const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

async function eventTimes(c: DashContext): Promise<{ times: number[]; capped: boolean }> {
  const times: number[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < OVERVIEW_EVENT_PAGES; page++) {
    const res: ApiResult<{ events: { timestamp: string }[]; nextCursor: string | null }> = await c.var.api(`/events?since=1d&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    if (!res.ok) break;
    for (const e of res.data.events) times.push(Date.parse(e.timestamp));
    cursor = res.data.nextCursor;
    if (!cursor) return { times, capped: false };
  }
  return { times, capped: cursor !== null };
}

async function deliveryRows(c: DashContext): Promise<{ at: number; status: string }[]> {
  const subs = await c.var.api<{ items: { id: string }[] }>(`/subscriptions?limit=${OVERVIEW_SUBSCRIPTIONS}`);
  if (!subs.ok) return [];
  const lists = await Promise.all(subs.data.items.map((s) => c.var.api<{ items: { createdAt: string; status: string }[] }>(`/subscriptions/${s.id}/deliveries?limit=100`)));
  return lists.flatMap((l) => (l.ok ? l.data.items.map((d) => ({ at: Date.parse(d.createdAt), status: d.status })) : []));
}

function figure(label: string, value: string, testid: string) {
  return (
    <div class="card" data-testid={testid}>
      <span class="label">{label}</span>
      <span class="value">{value}</span>
    </div>
  );
}

const ms = (v: number | null | undefined) => (v === null || v === undefined ? "—" : `${v} ms`);

/** GET /dashboard: figures and charts. */
export async function overviewPage(c: DashContext) {
  const now = Date.now();
  const [metrics, events, deliveries] = await Promise.all([c.var.api<any>("/metrics"), eventTimes(c), deliveryRows(c)]);
  const d = metrics.ok ? metrics.data.deliveries : null;
  const charts = {
    hour: perMinute({ now, windowMs: HOUR_MS, events: events.times, deliveries }),
    day: perMinute({ now, windowMs: DAY_MS, events: events.times, deliveries }),
  };
  return c.html(
    <Layout title="Overview" current="/" csrf={c.var.session.csrf}>
      {!metrics.ok && <Notice kind="error">Metrics: {metrics.error}</Notice>}
      <section class="cards" aria-label="Delivery figures">
        {figure("Delivery attempts", d ? String(d.total) : "—", "figure-deliveries")}
        {figure("Success rate", d?.successRate === null || !d ? "—" : `${Math.round(d.successRate * 1000) / 10}%`, "figure-success-rate")}
        {figure("Latency p50", ms(d?.latencyMs?.p50), "figure-p50")}
        {figure("Latency p95", ms(d?.latencyMs?.p95), "figure-p95")}
        {figure("Queue depth", metrics.ok && metrics.data.queue.depth !== null ? String(metrics.data.queue.depth) : "—", "figure-queue")}
      </section>
      <section aria-labelledby="charts-title">
        <h2 id="charts-title">Per minute</h2>
        {events.capped && <Notice kind="info">The day chart shows the newest {OVERVIEW_EVENT_PAGES * 100} events.</Notice>}
        <div class="chart-tabs" role="group" aria-label="Window">
          <button type="button" data-window="hour" aria-pressed="true">
            Last hour
          </button>
          <button type="button" data-window="day" aria-pressed="false">
            Last day
          </button>
        </div>
        <div id="chart-data" hidden data-series={JSON.stringify(charts)}></div>
        <div class="chart" data-chart="volume" role="img" aria-label="Events and deliveries per minute"></div>
        <div class="chart" data-chart="success" role="img" aria-label="Delivery success rate per minute"></div>
        <p class="hint">
          Events from the event log; deliveries from the newest 100 of up to {OVERVIEW_SUBSCRIPTIONS} subscriptions. Latency percentiles are across all attempts since the metrics window began.
        </p>
      </section>
    </Layout>,
  );
}
