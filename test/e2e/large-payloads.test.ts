// 9 MB payloads end to end on a real `wrangler dev` (local D1 + R2): a task's `expected` and a custom event are accepted,
// stored, delivered intact (byte-equal body, valid Standard Webhooks signature), streamed over SSE and listed by GET /events/:id.
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, inject, it } from "vitest";
import { gatewayClient } from "./delivery-helpers.ts";
import { startReceiver, verifyStandard, type Receiver } from "./receiver.ts";

const url = inject("gatewayUrl");
const token = inject("adminToken");
const api = gatewayClient(url, token);
const NINE_MB = 9_000_000;
let receiver: Receiver | undefined;
let stream: AbortController | undefined;

afterAll(async () => {
  stream?.abort();
  await receiver?.close();
});

/** Opens the SSE stream and collects `data:` payloads by event id. */
async function openStream(filter: string) {
  stream = new AbortController();
  const res = await fetch(`${url}/webhooks/v2/events?filter=${filter}`, { headers: { Authorization: `Bearer ${token}`, Accept: "text/event-stream" }, signal: stream.signal });
  expect(res.status).toBe(200);
  const frames = new Map<string, string>();
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const id = /^id: (.*)$/m.exec(frame)?.[1];
        const data = frame.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
        if (id) frames.set(id, data);
      }
    }
  })();
  return frames;
}

async function waitUntil<T>(check: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("9 MB payloads", () => {
  // Moving 4 × 9 MB through workerd, D1, R2 and two HTTP hops takes seconds on a loaded 2-core machine.
  it("a 9 MB custom event and a 9 MB task expected are stored, delivered intact and signed, streamed and listed", { timeout: 150_000 }, async () => {
    const ns = `big${Date.now().toString(36)}`;
    const title = `Large expectation ${ns}`;
    receiver = await startReceiver();
    const created = await api("/subscriptions", {
      body: { url: `${receiver.url}/hook`, events: [`${ns}.*`, "task.created"], filters: { any: [{ field: "data.title", operator: "equals", value: title }, { field: "data.ns", operator: "equals", value: ns }] } },
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const secret = created.json.data.secret as string;
    const frames = await openStream(`${ns},task.created`);

    const blob = randomBytes(NINE_MB * 0.75).toString("base64");
    const expected = randomBytes(NINE_MB * 0.75).toString("base64");
    const event = await api("/events", { body: { type: `${ns}.blob`, data: { ns, blob } } });
    expect(event.status, JSON.stringify(event.json).slice(0, 300)).toBe(201);
    const task = await api("/task", { body: { action: "add_task", task: title, expected } });
    expect(task.status, JSON.stringify(task.json).slice(0, 300)).toBe(201);

    // Stored: the task reads back byte-equal.
    const status = await api(`/task/${task.json.data.id}/status`);
    expect(status.json.data.expected === expected).toBe(true);

    // Delivered: both bodies byte-equal to the stored wire event, with valid signatures.
    const received = await receiver.waitFor(2, { timeoutMs: 90_000 });
    for (const request of received) {
      verifyStandard(secret, request);
      const id = request.headers["webhook-id"] as string;
      const logged = await api(`/events/${id}`);
      expect(logged.status).toBe(200);
      const { deliveries, ...wire } = logged.json.data;
      expect(deliveries).toEqual([expect.objectContaining({ subscriptionId: created.json.data.id })]);
      expect(request.body === JSON.stringify(wire)).toBe(true);
      if (wire.type === "task.created") expect(wire.data.expected === expected).toBe(true);
      else expect(wire.data.blob === blob).toBe(true);
      // Streamed: the same body arrived over SSE.
      const frame = await waitUntil(() => frames.get(id), 30_000);
      expect(frame === request.body).toBe(true);
    }
    expect(received.map((r) => r.headers["webhook-id"]).sort()).toEqual([event.json.data.id, received.find((r) => r.body.includes('"task.created"'))!.headers["webhook-id"]].sort());
  });
});
