// Dashboard pure pieces: per-minute series, the SSE event-name filter, session sealing and expiry.
import { describe, expect, it } from "vitest";
import { perMinute } from "../../src/dashboard/series";
import { newSession, openSession, sealSession } from "../../src/dashboard/session";
import { unnamedEvents } from "../../src/dashboard/sse-unnamed";

const ADMIN = "unit-admin-token-0123456789";

describe("perMinute", () => {
  const now = Date.UTC(2026, 0, 1, 12, 30, 30);
  it("counts events and deliveries in minute buckets ending with the current minute", () => {
    const s = perMinute({
      now,
      windowMs: 3 * 60_000,
      events: [now, now - 60_000, now - 60_000, now - 10 * 60_000],
      deliveries: [
        { at: now, status: "success" },
        { at: now, status: "failed" },
        { at: now, status: "pending" },
        { at: now - 120_000, status: "success" },
      ],
    });
    expect(s.x).toEqual([Date.UTC(2026, 0, 1, 12, 28) / 1000, Date.UTC(2026, 0, 1, 12, 29) / 1000, Date.UTC(2026, 0, 1, 12, 30) / 1000]);
    expect(s.events).toEqual([0, 2, 1]);
    expect(s.deliveries).toEqual([1, 0, 3]);
    expect(s.successRate).toEqual([100, null, 50]);
  });
  it("ignores rows after now's minute", () => {
    const s = perMinute({ now, windowMs: 60_000, events: [now + 60_000], deliveries: [] });
    expect(s.events).toEqual([0]);
  });
});

describe("unnamedEvents", () => {
  async function run(chunks: string[]): Promise<string> {
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
        controller.close();
      },
    });
    return new Response(source.pipeThrough(unnamedEvents())).text();
  }
  it("drops event: lines split across chunks and keeps ids, data and comments", async () => {
    const out = await run([": ping\n\nid: evt-1\nev", "ent: task.created\ndata: {\"a\"", ":1}\n\n", "id: evt-2\nevent: x\ndata: 2\n\n"]);
    expect(out).toBe(': ping\n\nid: evt-1\ndata: {"a":1}\n\nid: evt-2\ndata: 2\n\n');
  });
});

describe("sessions", () => {
  it("open what was sealed, until expiry", async () => {
    const s = newSession("tok", 1_000);
    const sealed = await sealSession(ADMIN, s);
    expect(sealed).not.toContain("tok");
    expect(await openSession(ADMIN, sealed, 2_000)).toEqual(s);
    expect(await openSession(ADMIN, sealed, s.exp)).toBeNull();
  });
  it("refuse a cookie sealed under another admin token or altered", async () => {
    const sealed = await sealSession(ADMIN, newSession("tok", 0));
    expect(await openSession(`${ADMIN}-rotated`, sealed, 1)).toBeNull();
    expect(await openSession(ADMIN, `${sealed.slice(0, -3)}AAA`, 1)).toBeNull();
    expect(await openSession(ADMIN, "garbage", 1)).toBeNull();
  });
});
