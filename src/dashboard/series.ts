/** Per-minute chart series from timestamped rows (pure): counts and success rates in fixed minute buckets. */

/** One minute. */
export const MINUTE_MS = 60_000;

/** A chart's data: bucket start times (unix seconds, as uPlot wants) and one array per series. */
export interface Series {
  /** Bucket starts, unix seconds, oldest first. */
  x: number[];
  events: number[];
  deliveries: number[];
  /** Share of finished deliveries that succeeded, 0..100; null where none finished. */
  successRate: (number | null)[];
}

/** Options of perMinute. */
export interface PerMinuteOptions {
  /** End of the window (unix ms); the last bucket holds it. */
  now: number;
  /** Window length (ms), a whole number of minutes. */
  windowMs: number;
  /** Event times (unix ms). */
  events: number[];
  /** Deliveries: creation time (unix ms) and status. */
  deliveries: { at: number; status: string }[];
}

/** Buckets events and deliveries per minute over the window ending at `now`; rows outside it are ignored. */
export function perMinute({ now, windowMs, events, deliveries }: PerMinuteOptions): Series {
  const buckets = Math.max(1, Math.round(windowMs / MINUTE_MS));
  const last = Math.floor(now / MINUTE_MS) * MINUTE_MS;
  const first = last - (buckets - 1) * MINUTE_MS;
  const x = Array.from({ length: buckets }, (_, i) => (first + i * MINUTE_MS) / 1000);
  const slot = (at: number) => (at < first || at >= last + MINUTE_MS ? -1 : Math.floor((at - first) / MINUTE_MS));
  const eventCounts = new Array<number>(buckets).fill(0);
  const deliveryCounts = new Array<number>(buckets).fill(0);
  const ok = new Array<number>(buckets).fill(0);
  const finished = new Array<number>(buckets).fill(0);
  for (const at of events) {
    const i = slot(at);
    if (i >= 0) eventCounts[i]!++;
  }
  for (const d of deliveries) {
    const i = slot(d.at);
    if (i < 0) continue;
    deliveryCounts[i]!++;
    if (d.status === "success" || d.status === "failed") finished[i]!++;
    if (d.status === "success") ok[i]!++;
  }
  const successRate = finished.map((n, i) => (n ? Math.round((ok[i]! / n) * 1000) / 10 : null));
  return { x, events: eventCounts, deliveries: deliveryCounts, successRate };
}
