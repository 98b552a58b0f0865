// The payload store: inline / gzip / R2 by size, exact read-back, retention deletes R2 objects; D1's size limits asserted locally.
import { env } from "cloudflare:workers";
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { payloadStore, PAYLOAD_MARKER } from "../../src/events/payload-store";
import { eventDataKey, listEvents } from "../../src/events/store";
import worker from "../../src/index";
import { D1LimitError, withD1Limits } from "../../src/lib/d1-limits";
import { call } from "./helpers";

/** `bytes` of incompressible-looking ASCII text (random base64). */
function randomText(bytes: number): string {
  const chunk = new Uint8Array(48_000);
  let out = "";
  while (out.length < bytes) {
    crypto.getRandomValues(chunk);
    out += btoa(String.fromCharCode(...chunk));
  }
  return out.slice(0, bytes);
}

async function payloadRow(key: string) {
  return env.DB.prepare("SELECT encoding, bytes, length(body) AS stored FROM payloads WHERE key = ?").bind(key).first<{ encoding: string; bytes: number; stored: number | null }>();
}

describe("payload store", () => {
  it("keeps small values inline, gzips above PAYLOAD_GZIP_MIN_BYTES, sends above PAYLOAD_R2_MIN_BYTES to R2, and reads each back exactly", async () => {
    const store = payloadStore(env);
    const cases = [
      { key: "test/small/x", text: "é".repeat(1000), encoding: null },
      { key: "test/medium/x", text: `${"compressible ".repeat(20_000)}é`, encoding: "gzip" },
      { key: "test/large/x", text: randomText(1_500_000), encoding: "r2" },
    ];
    for (const { key, text, encoding } of cases) {
      const prepared = await store.prepare(key, text, Date.now());
      if (prepared.statements.length) await env.DB.batch(prepared.statements);
      expect(prepared.column).toBe(encoding === null ? text : PAYLOAD_MARKER);
      const row = await payloadRow(key);
      expect(row?.encoding ?? null).toBe(encoding);
      if (encoding === "gzip") expect(row!.stored).toBeLessThan(text.length / 10);
      if (encoding === "r2") expect(row!.stored).toBeNull();
      expect((await env.PAYLOADS.head(key)) !== null).toBe(encoding === "r2");
      expect(await store.read(key, prepared.column)).toBe(text);
    }
    // An empty plain value is not mistaken for a stored one.
    expect(await store.read("test/none/x", "")).toBe("");
  });

  it("stores a 3 MB event through POST /events with nothing large in its row, and replays it intact", async () => {
    const blob = randomText(3_000_000);
    const res = await call("/events", { body: { type: "test.large", data: { blob } } });
    expect(res.status).toBe(201);
    const id = res.json.data.id as string;
    const row = await env.DB.prepare("SELECT data FROM events WHERE id = ?").bind(id).first<{ data: string }>();
    expect(row!.data).toBe(PAYLOAD_MARKER);
    expect((await payloadRow(eventDataKey(id)))?.encoding).toBe("r2");
    const page = await listEvents(env, { afterId: "evt-", limit: 100 });
    expect(page.events.find((e) => e.id === id)?.data).toEqual({ blob });
  });

  it("keeps a 2.5 MB task `expected` (D1's limit would refuse it inline) and returns it from GET /task/:id/status", async () => {
    const expected = randomText(2_500_000);
    const res = await call("/task", { body: { action: "add_task", task: "Check the large expectation", expected } });
    expect(res.status).toBe(201);
    const status = await call(`/task/${res.json.data.id}/status`);
    expect(status.json.data.expected).toBe(expected);
  });

  it("deletes an expired event's payload row and R2 object with the event (retention)", async () => {
    const res = await call("/events", { body: { type: "test.expiring", data: { blob: randomText(1_200_000) } } });
    const id = res.json.data.id as string;
    expect(await env.PAYLOADS.head(eventDataKey(id))).not.toBeNull();
    const ctx = createExecutionContext();
    const later = Date.now() + 31 * 86_400_000;
    await (worker as ExportedHandler<Env>).scheduled!(createScheduledController({ scheduledTime: later, cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await env.PAYLOADS.head(eventDataKey(id))).toBeNull();
    expect(await payloadRow(eventDataKey(id))).toBeNull();
    expect(await env.DB.prepare("SELECT id FROM events WHERE id = ?").bind(id).first()).toBeNull();
  });
});

describe("D1 limits, asserted locally", () => {
  const insert = "INSERT INTO events (id, type, data, metadata, created_at) VALUES (?, 't', ?, NULL, 0)";

  it("refuses a bound string over 2,000,000 bytes, which the local D1 itself accepts", async () => {
    const big = "x".repeat(2_000_001);
    await env.DB.prepare(insert).bind("evt-local-accepts", big).run();
    expect(() => withD1Limits(env.DB).prepare(insert).bind("evt-refused", big)).toThrow(D1LimitError);
    expect(() => withD1Limits(env.DB).prepare(insert).bind("evt-multibyte", "é".repeat(1_000_001))).toThrow(/2000000-byte/);
    expect(() => withD1Limits(env.DB).prepare(insert).bind("evt-row", "x".repeat(1_500_000), "y".repeat(600_000))).toThrow(/row limit/);
    await withD1Limits(env.DB).prepare(insert).bind("evt-fits", "x".repeat(1_999_000)).run();
  });

  it("refuses SQL text over 100 KB", () => {
    const sql = `SELECT 1 WHERE 'a' IN (${Array.from({ length: 30_000 }, () => "'a'").join(",")})`;
    expect(sql.length).toBeGreaterThan(100_000);
    expect(() => withD1Limits(env.DB).prepare(sql)).toThrow(/100000-byte/);
  });

  it("keeps batch() working with guarded statements", async () => {
    const db = withD1Limits(env.DB);
    const [result] = await db.batch([db.prepare("SELECT ? AS v").bind(7)]);
    expect(result!.results).toEqual([{ v: 7 }]);
  });
});
