// Parses Prometheus text with parse-prometheus-text-format, working around its labelled-histogram bug.
import parsePrometheusTextFormat, { type PrometheusFamily } from "parse-prometheus-text-format";

/** Every family by name, as the library parses the whole document (counters, gauges, unlabelled histograms). */
export function families(text: string): Map<string, PrometheusFamily> {
  return new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * One series of a labelled histogram, parsed by the library. The library drops the labels, sum and
 * count of labelled histograms (yunyu/parse-prometheus-text-format#13, fix in the unmerged #8), so
 * the series' own lines are selected by their labels, stripped of them, and parsed as an
 * unlabelled histogram — the case the library handles.
 */
export function histogramSeries(text: string, family: string, labels: Record<string, string>) {
  const lines = [`# TYPE ${family} histogram`];
  for (const line of text.split("\n")) {
    const match = SAMPLE.exec(line);
    if (!match || ![`${family}_bucket`, `${family}_sum`, `${family}_count`].includes(match[1]!)) continue;
    const pairs = Object.fromEntries([...(match[2] ?? "").matchAll(LABEL)].map((m) => [m[1]!, m[2]!]));
    const { le, ...rest } = pairs;
    if (Object.keys(rest).length !== Object.keys(labels).length || Object.entries(labels).some(([k, v]) => rest[k] !== v)) continue;
    lines.push(`${match[1]}${le === undefined ? "" : `{le="${le}"}`} ${match[3]}`);
  }
  if (lines.length === 1) return null;
  const [parsed] = parsePrometheusTextFormat(`${lines.join("\n")}\n`);
  return parsed?.metrics[0] ?? null;
}
