// Stream caps through the real Worker, TokenState and EventHub: replay reach (STREAM_MAX_REPLAY) and concurrent streams per token.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE, call, createToken } from "./helpers";
import { SseReader } from "./sse-reader";

// The replay limit is the stream's: without this Accept, GET /events is the JSON event log, which may reach back further.
const SSE = { Accept: "text/event-stream" };

const openAs = (key: string, query = "") =>
  exports.default.fetch(new Request(`${BASE}/events${query}`, { headers: { Authorization: `Bearer ${key}`, Accept: "text/event-stream" } }));

describe("replay reach", () => {
  it("answers 400 with the limit in details to a since older than 24 h, by duration or date", async () => {
    const { key } = await createToken(["events"]);
    for (const since of ["2d", "25h", "1970-01-01", new Date(Date.now() - 25 * 3_600_000).toISOString()]) {
      const res = await call(`/events?since=${encodeURIComponent(since)}`, { token: key, headers: SSE });
      expect(res.status, since).toBe(400);
      expect(res.json).toMatchObject({ success: false, code: "SCHEMA_VALIDATION_ERROR", details: { field: "since", maxReplaySeconds: 86_400 } });
    }
  });

  it("answers 400 to a Last-Event-ID from before the replay limit", async () => {
    const { key } = await createToken(["events"]);
    const res = await call("/events", { token: key, headers: { ...SSE, "Last-Event-ID": `evt-${"0".repeat(24)}` } });
    expect(res.status).toBe(400);
    expect(res.json.details).toMatchObject({ field: "Last-Event-ID", maxReplaySeconds: 86_400 });
  });

  it("honours STREAM_MAX_REPLAY", async () => {
    const res = await call("/events?since=2h", { headers: SSE, vars: { STREAM_MAX_REPLAY: "1h" } });
    expect(res.status).toBe(400);
    expect(res.json.details.maxReplaySeconds).toBe(3600);
  });
});

describe("concurrent streams per token", () => {
  it("refuses the 11th open stream of one token with 429, and admits again once one closes", async () => {
    const { key } = await createToken(["events"]);
    const other = await createToken(["events"]);
    const open: SseReader[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await openAs(key);
      expect(res.status, `stream ${i + 1}`).toBe(200);
      const reader = new SseReader(res.body!);
      await reader.next();
      open.push(reader);
    }
    const refused = await openAs(key);
    expect(refused.status).toBe(429);
    const body = (await refused.json()) as Record<string, any>;
    expect(body).toMatchObject({ success: false, code: "RATE_LIMITED", retryable: true, details: { level: "streams", limit: 10, active: 10 } });
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
    // Another token is not affected.
    const theirs = await openAs(other.key);
    expect(theirs.status).toBe(200);
    await theirs.body!.cancel();

    await open.pop()!.cancel();
    let again: Response | null = null;
    for (let i = 0; i < 80 && again?.status !== 200; i++) {
      if (again) await again.body?.cancel();
      await new Promise((r) => setTimeout(r, 50));
      again = await openAs(key);
    }
    expect(again!.status).toBe(200);
    await again!.body!.cancel();
    for (const reader of open) await reader.cancel();
  });
});
