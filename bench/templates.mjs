// Template rendering: a 1 KB expression template rendered over an event (compiled once, cached),
// median per render in µs (target < 50 µs), beside JSON.stringify of the event as an in-run baseline.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { ratio, summarize } from "./lib/stats.mjs";

export const timeoutMs = 120_000;
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BATCH = 200;
const TARGET_US = 50;

/** Bundles the Worker's template module for Node (the same code the Worker runs). */
async function loadTemplates() {
  const dir = mkdtempSync(join(tmpdir(), "edgehook-bench-templates-"));
  const outfile = join(dir, "templates.mjs");
  await build({ entryPoints: [join(ROOT, "src/delivery/template.ts")], bundle: true, format: "esm", platform: "neutral", outfile, logLevel: "silent" });
  try {
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const EVENT = {
  id: "evt-0001",
  type: "alert.raised",
  timestamp: "2026-01-01T00:00:00.000Z",
  data: { alert: { severity: "critical", title: "Disk almost full", host: "db-1", value: 93.4, tags: ["db", "eu-west"] }, user: { email: "ops@example.com", name: "Ops" } },
  metadata: { source: "monitor" },
};

/** About 1 KB of Slack-style blocks with conditions, functions and paths. */
const TEMPLATE = {
  text: "{{ alert.severity == 'critical' ? ':red_circle:' : ':warning:' }} {{ upper(alert.severity) }}: {{ alert.title }} on {{ alert.host }}",
  blocks: [
    { type: "header", text: { type: "plain_text", text: "{{ alert.title }} ({{ alert.value }}%)" } },
    { type: "section", text: { type: "mrkdwn", text: "*Host:* {{ alert.host }}\n*Severity:* {{ alert.severity }}\n*Tags:* {{ json(alert.tags) }}\n*Owner:* {{ default(user.name, 'nobody') }} <{{ lower(user.email) }}>" } },
    { type: "context", elements: [{ type: "mrkdwn", text: "{{ event.type }} · {{ event.id }} · {{ date(event.timestamp, 'unix') }} · {{ metadata.source }}" }] },
    { type: "section", fields: [{ type: "mrkdwn", text: "*Value*\n{{ alert.value > 90 ? 'over 90' : 'fine' }}" }, { type: "mrkdwn", text: "*Count*\n{{ len(alert.tags) }} tags" }] },
    { type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "Open {{ alert.host }}" }, url: "https://status.example.com/hosts/{{ alert.host }}?event={{ event.id }}", style: "{{ alert.severity == 'critical' ? 'danger' : 'primary' }}" }] },
  ],
  attachments: [{ color: "{{ alert.severity == 'critical' ? '#d00000' : '#ffaa00' }}", footer: "edgehook · {{ event.id }}" }],
};

/** Median µs per call of fn over `rounds` batches of BATCH calls. */
function measure(fn, rounds) {
  const samples = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    for (let i = 0; i < BATCH; i++) fn();
    samples.push(((performance.now() - start) * 1000) / BATCH);
  }
  return summarize(samples);
}

/** The scenario. */
export async function run(options = {}) {
  const { renderBody } = await loadTemplates();
  const bytes = JSON.stringify(TEMPLATE).length;
  const rounds = Math.max(50, Math.round((options.duration ?? 2) * 250));
  const render = () => renderBody(EVENT, TEMPLATE);
  const baseline = () => JSON.stringify(EVENT);
  measure(render, 20);
  measure(baseline, 20);
  const r = measure(render, rounds);
  const b = measure(baseline, rounds);
  const rows = [
    { case: `render ${bytes} B template (cached)`, "p50 µs": r.p50, "p90 µs": r.p90, "p99 µs": r.p99, target: `< ${TARGET_US} µs`, ok: r.p50 < TARGET_US },
    { case: "JSON.stringify(event) baseline", "p50 µs": b.p50, "p90 µs": b.p90, "p99 µs": b.p99, target: "-", ok: null },
  ];
  return { rows, templateBytes: bytes, renderMedianUs: r.p50, ratioToStringify: ratio(r.p50, b.p50), headline: { renderMedianUs: r.p50, templateBytes: bytes, ok: r.p50 < TARGET_US } };
}
