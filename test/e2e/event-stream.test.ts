// The live event stream over real HTTP with the `eventsource` client: live delivery, filters, since
// replay, Last-Event-ID resume after a forced disconnect, heartbeat (own gateway) and auth refusal.
import { EventSource } from "eventsource";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startWranglerDev } from "../../scripts/wrangler-dev.mjs";

const url = inject("gatewayUrl");
const admin = inject("adminToken");
const STREAM = `${url}/webhooks/v2/events`;

interface Received {
  type: string;
  lastEventId: string;
  body: { id: string; type: string; timestamp: string; data: Record<string, unknown>; metadata?: Record<string, unknown> };
}

/** A fetch for EventSource that sends the token and lets a test cut the current connection (the reader sees the stream end, so the client reconnects). */
function cuttableFetch(token: string) {
  const connections: { lastEventId: string | null; cut: () => void }[] = [];
  const fetchFn = async (input: string | URL, init?: RequestInit) => {
    const headers: Record<string, string> = { ...(init?.headers as Record<string, string>), Authorization: `Bearer ${token}` };
    const res = await fetch(input, { ...init, headers });
    if (!res.body) return res;
    const reader = res.body.getReader();
    let cut = () => {};
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        cut = () => {
          reader.cancel().catch(() => undefined);
          try {
            controller.close();
          } catch {
            /* already closed */
          }
        };
      },
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch {
          try {
            controller.close();
          } catch {
            /* already closed */
          }
        }
      },
      cancel: () => reader.cancel(),
    });
    connections.push({ lastEventId: headers["Last-Event-ID"] ?? null, cut });
    return new Response(body, { status: res.status, headers: res.headers });
  };
  return { fetch: fetchFn, connections };
}

/** Listens to the given event types on an EventSource and records every event. */
function listen(source: EventSource, types: string[]) {
  const received: Received[] = [];
  for (const type of types) {
    source.addEventListener(type, (event) => {
      const message = event as MessageEvent<string>;
      received.push({ type: message.type, lastEventId: message.lastEventId, body: JSON.parse(message.data) });
    });
  }
  return received;
}

/** Waits until `check` passes (polling); the test's own timeout bounds the wait. */
async function eventually(check: () => boolean, describeState: () => unknown): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`condition not met; state: ${JSON.stringify(describeState())}`);
}

function opened(source: EventSource): Promise<void> {
  return new Promise((resolve, reject) => {
    source.addEventListener("open", () => resolve(), { once: true });
    source.addEventListener("error", (e) => reject(new Error(`stream failed: ${JSON.stringify(e)}`)), { once: true });
  });
}

async function postTask(title: string, gateway = url, token = admin): Promise<string> {
  const res = await fetch(`${gateway}/webhooks/v2/task`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ action: "add_task", task: title }),
  });
  expect(res.status).toBe(201);
  return (await res.json()).data.id;
}

/** A paused channel for the notifications (POST /notify needs a channel that exists; paused: nothing is sent). */
let channel: Promise<Response> | undefined;

async function postNotify(title: string): Promise<string> {
  channel ??= fetch(`${url}/webhooks/v2/channels`, {
    method: "POST",
    headers: { Authorization: `Bearer ${admin}`, "Content-Type": "application/json" },
    body: JSON.stringify({ name: "stream-test", type: "webhook", url: "http://127.0.0.1:9/stream", active: false }),
  });
  await (await channel).body?.cancel();
  const res = await fetch(`${url}/webhooks/v2/notify`, {
    method: "POST",
    headers: { Authorization: `Bearer ${admin}`, "Content-Type": "application/json" },
    body: JSON.stringify({ action: "send_notification", priority: "P2", title, body: "from the stream test", channels: ["stream-test"] }),
  });
  expect(res.status).toBe(201);
  return (await res.json()).data.notificationId;
}

const taskIds = (received: Received[]) => received.filter((r) => r.type === "task.created").map((r) => r.body.data.taskId);
const run = `${Date.now().toString(36)}`;

describe("event stream over HTTP (eventsource client)", () => {
  const sources: EventSource[] = [];
  afterAll(() => sources.forEach((s) => s.close()));

  function connect(query: string, fetchFn?: typeof fetch) {
    const source = new EventSource(`${STREAM}${query}`, fetchFn ? { fetch: fetchFn } : undefined);
    sources.push(source);
    return source;
  }

  it("delivers published events live as id/event/data frames carrying the delivery body", async () => {
    const { fetch: withToken } = cuttableFetch(admin);
    const source = connect("?filter=task", withToken as typeof fetch);
    const received = listen(source, ["task.created"]);
    await opened(source);
    const ids = [await postTask(`live one ${run}`), await postTask(`live two ${run}`), await postTask(`live three ${run}`)];
    await eventually(() => ids.every((id) => taskIds(received).includes(id)), () => received);
    const mine = received.filter((r) => ids.includes(r.body.data.taskId as string));
    expect(mine.map((r) => r.body.data.taskId)).toEqual(ids);
    for (const r of mine) {
      expect(r.lastEventId).toBe(r.body.id);
      expect(r.body.id).toMatch(/^evt-[0-9A-Z]{24}$/);
      expect(r.body.type).toBe("task.created");
      expect(Date.parse(r.body.timestamp)).not.toBeNaN();
      expect(r.body.data).toMatchObject({ title: expect.stringContaining(run), priority: "medium" });
    }
    source.close();
  });

  it("sends only the event types the filter asks for (api_key in the query, as a browser would)", async () => {
    const source = connect(`?filter=notify&api_key=${encodeURIComponent(admin)}`);
    const received = listen(source, ["task.created", "notify.sent"]);
    await opened(source);
    await postTask(`filtered out ${run}`);
    const first = await postNotify(`filtered in ${run}`);
    const second = await postNotify(`filtered in again ${run}`);
    await eventually(() => received.filter((r) => r.type === "notify.sent").length >= 2, () => received);
    expect(received.map((r) => r.type)).toEqual(["notify.sent", "notify.sent"]);
    expect(received.map((r) => r.body.data.notifId)).toEqual([first, second]);
    source.close();
  });

  it("replays stored events from `since`, in publish order, then goes live", async () => {
    const before = [await postTask(`since one ${run}`), await postTask(`since two ${run}`)];
    const source = connect(`?since=10m&filter=task.created&api_key=${encodeURIComponent(admin)}`);
    const received = listen(source, ["task.created"]);
    await eventually(() => before.every((id) => taskIds(received).includes(id)), () => received);
    const after = await postTask(`since live ${run}`);
    await eventually(() => taskIds(received).includes(after), () => received);
    const got = taskIds(received);
    expect(new Set(got).size).toBe(got.length);
    expect(got.slice(-3)).toEqual([...before, after]);
    source.close();
  });

  it("resumes with Last-Event-ID after a forced disconnect: nothing missed, nothing twice", async () => {
    const cuttable = cuttableFetch(admin);
    const source = connect("?filter=task", cuttable.fetch as typeof fetch);
    const received = listen(source, ["task.created"]);
    await opened(source);
    const published = [await postTask(`resume a ${run}`), await postTask(`resume b ${run}`)];
    await eventually(() => published.every((id) => taskIds(received).includes(id)), () => received);
    const lastBeforeCut = received.at(-1)!.lastEventId;

    cuttable.connections.at(-1)!.cut();
    // published while the client is away (it waits for the retry advice before reconnecting)
    for (const n of [1, 2, 3, 4]) published.push(await postTask(`resume meanwhile ${n} ${run}`));
    await eventually(() => cuttable.connections.length === 2 && source.readyState === EventSource.OPEN, () => cuttable.connections.length);
    expect(cuttable.connections[1]!.lastEventId).toBe(lastBeforeCut);
    for (const n of [1, 2]) published.push(await postTask(`resume after ${n} ${run}`));

    await eventually(() => published.every((id) => taskIds(received).includes(id)), () => taskIds(received));
    const got = taskIds(received).filter((id) => published.includes(id as string));
    expect(got).toEqual(published);
    const all = received.map((r) => r.body.id);
    expect(new Set(all).size).toBe(all.length);
    source.close();
  });

  it("refuses a stream without a token: 401 envelope, and the client fails without retrying", async () => {
    const res = await fetch(STREAM, { headers: { Accept: "text/event-stream" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("Content-Type")).toMatch(/application\/json/);
    expect(await res.json()).toMatchObject({ success: false, code: "UNAUTHORIZED" });

    const source = connect("");
    const failure = await new Promise<{ code?: number }>((resolve) => source.addEventListener("error", (e) => resolve(e as { code?: number }), { once: true }));
    expect(failure.code).toBe(401);
    expect(source.readyState).toBe(EventSource.CLOSED);
  });

  it("answers a bad `since` with the error envelope, not a broken stream", async () => {
    const res = await fetch(`${STREAM}?since=last-tuesday`, { headers: { Authorization: `Bearer ${admin}`, Accept: "text/event-stream" } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "SCHEMA_VALIDATION_ERROR", details: { field: "since" } });
  });
});

describe("heartbeat (own gateway with a short interval)", () => {
  let gateway: Awaited<ReturnType<typeof startWranglerDev>>;
  beforeAll(async () => {
    gateway = await startWranglerDev({ vars: { STREAM_HEARTBEAT_MS: "200" } });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it("sends retry advice once and a `: ping` comment on an idle stream", async () => {
    const controller = new AbortController();
    const res = await fetch(`${gateway.url}/webhooks/v2/events`, { headers: { Authorization: `Bearer ${gateway.adminToken}`, Accept: "text/event-stream" }, signal: controller.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while ((text.match(/^: ping$/gm) ?? []).length < 3) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    controller.abort();
    expect(text.startsWith("retry: ")).toBe(true);
    expect((text.match(/^retry: /gm) ?? []).length).toBe(1);
    expect((text.match(/^: ping$/gm) ?? []).length).toBeGreaterThanOrEqual(3);
  });
});
