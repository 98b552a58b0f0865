// Percentiles and summaries of latency samples (pure; milliseconds in, milliseconds out).

/** The p-th percentile (0–100) of an ascending array by nearest rank; NaN when empty. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** {count, mean, p50, p90, p99, max} of unsorted samples, rounded to 0.01 ms. */
export function summarize(samples) {
  const sorted = Float64Array.from(samples).sort();
  const round = (v) => (Number.isFinite(v) ? Math.round(v * 100) / 100 : null);
  let total = 0;
  for (const v of sorted) total += v;
  return {
    count: sorted.length,
    mean: round(sorted.length ? total / sorted.length : Number.NaN),
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.length ? sorted[sorted.length - 1] : Number.NaN),
  };
}

/** a / b rounded to 0.001, or null when b is not a positive number. */
export function ratio(a, b) {
  return b > 0 ? Math.round((a / b) * 1000) / 1000 : null;
}
