// The live stream and the event log per tenant: a tenant's stream (live, ring and D1 replay) and its
// GET /events and GET /events/:id see only its events; the admin sees every tenant's, or one with X-Tenant-ID.
import { createExecutionContext, evictDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "../../src/events/store";
import { customEventType } from "../../src/events/types";
import { publishAll } from "../../src/publish";
import { hubStub, leafStub } from "../../src/stream/hub-client";
import { ADMIN_TOKEN, BASE, call, createToken } from "./helpers";
import { SseReader, type SseFrame } from "./sse-reader";

const A = "strm-a";
const B = "strm-b";
let keyA = "";
let keyB = "";

beforeAll(async () => {
  for (const id of [A, B]) {
    await env.DB.prepare("INSERT OR IGNORE INTO tenants (id, name, created_at, updated_at) VALUES (?, ?, 0, 0)").bind(id, `Tenant ${id}`).run();
  }
  keyA = (await createToken(["events"], { tenantId: A })).key;
  keyB = (await createToken(["events"], { tenantId: B })).key;
});

/** Publishes `[tenant, type suffix]` pairs in one call (in that order), as the gateway does. */
async function publish(items: [string, string][]): Promise<StoredEvent[]> {
  const ctx = createExecutionContext();
  const events = await publishAll(env, ctx, items.map(([tenantId, suffix]) => ({ type: customEventType(`tnstream.${suffix}`), data: { suffix }, tenantId })));
  await waitOnExecutionContext(ctx);
  return events;
}

/** Opens a stream (filtered to this file's types) and reads its `retry:` frame: the hub has registered it. */
async function open(token: string, query = "", headers: Record<string, string> = {}) {
  const res = await exports.default.fetch(
    new Request(`${BASE}/events?filter=tnstream${query}`, { headers: { Authorization: `Bearer ${token}`, Accept: "text/event-stream", ...headers } }),
  );
  expect(res.status).toBe(200);
  const reader = new SseReader(res.body!);
  expect((await reader.next())?.retry).toBeGreaterThan(0);
  return reader;
}

/** The next `count` events of a stream as [id, tenantId from the data], then closes it. */
async function take(reader: SseReader, count: number): Promise<[string, string][]> {
  const frames: SseFrame[] = await reader.events(count);
  await reader.cancel();
  return frames.map((f) => {
    const data = JSON.parse(f.data!) as { id: string; tenantId: string };
    expect(data.id).toBe(f.id);
    return [f.id!, data.tenantId];
  });
}

/** A stream's events up to and including `lastId` as [id, tenantId], then closes it. */
async function takeUntil(reader: SseReader, lastId: string): Promise<[string, string][]> {
  const frames = (await reader.until((f) => f.id === lastId)).filter((f) => f.data !== undefined);
  await reader.cancel();
  return frames.map((f) => [f.id!, (JSON.parse(f.data!) as { tenantId: string }).tenantId]);
}

const pairs = (events: StoredEvent[]) => events.map((e): [string, string] => [e.id, e.tenantId]);

async function restartHubs() {
  for (const stub of [hubStub(env), leafStub(env, 0)]) {
    await stub.stats();
    await evictDurableObject(stub);
  }
}

describe("the live stream per tenant", () => {
  it("sends a tenant's stream only its own events; the admin gets every tenant's, or one tenant's with X-Tenant-ID", async () => {
    const streams = {
      a: await open(keyA),
      b: await open(keyB),
      admin: await open(ADMIN_TOKEN),
      adminB: await open(ADMIN_TOKEN, "", { "X-Tenant-ID": B }),
    };
    const first = await publish([[A, "one"], [B, "one"], [A, "two"]]);
    // A marker for B after A's events: B's next two events must be its own two, nothing of A's between.
    const second = await publish([[A, "three"], [B, "two"]]);
    const all = [...first, ...second];
    const of = (tenant: string) => pairs(all.filter((e) => e.tenantId === tenant));
    expect(await take(streams.b, 2)).toEqual(of(B));
    expect(await take(streams.adminB, 2)).toEqual(of(B));
    expect(await take(streams.a, 3)).toEqual(of(A));
    expect(await take(streams.admin, 5)).toEqual(pairs(all));
  });

  it("replays from the ring (since, Last-Event-ID) only the tenant's events", async () => {
    const published = await publish([[B, "r1"], [A, "r1"], [B, "r2"], [A, "r2"], [B, "r3"]]);
    const [b1, a1, , a2] = published;
    const bOnly = pairs(published.filter((e) => e.tenantId === B));
    // `since` reads D1 (tenant-filtered) and then the ring; earlier tests' B events come first.
    const since = await takeUntil(await open(keyB, "&since=1h"), published[4]!.id);
    expect(since.every(([, tenant]) => tenant === B)).toBe(true);
    expect(since.slice(-3)).toEqual(bOnly);
    // Last-Event-ID still in the ring: the ring entries after it, B's only.
    expect(await take(await open(keyB, "", { "Last-Event-ID": b1!.id }), 2)).toEqual(bOnly.slice(1));
    // Another tenant's event id as the cursor reveals nothing of that tenant.
    expect(await take(await open(keyB, "", { "Last-Event-ID": a1!.id }), 2)).toEqual(bOnly.slice(1));
    // A's own resume, and the admin's, which spans both.
    expect(await take(await open(keyA, "", { "Last-Event-ID": a1!.id }), 1)).toEqual(pairs([a2!]));
    expect(await take(await open(ADMIN_TOKEN, "", { "Last-Event-ID": b1!.id }), 4)).toEqual(pairs(published.slice(1)));
  });

  it("replays from D1 after a hub restart (since, Last-Event-ID) only the tenant's events", async () => {
    const published = await publish([[A, "d1"], [B, "d1"], [A, "d2"], [B, "d2"]]);
    await restartHubs();
    const [a1, b1, a2, b2] = published;
    // The ring is empty: everything comes from D1, filtered by tenant in the query.
    expect(await take(await open(keyB, "", { "Last-Event-ID": a1!.id }), 2)).toEqual(pairs([b1!, b2!]));
    expect(await take(await open(keyB, "", { "Last-Event-ID": b1!.id }), 1)).toEqual(pairs([b2!]));
    expect(await take(await open(keyA, "", { "Last-Event-ID": a1!.id }), 1)).toEqual(pairs([a2!]));
    const since = await takeUntil(await open(keyA, "&since=1h"), a2!.id);
    expect(since.every(([, tenant]) => tenant === A)).toBe(true);
    expect(since.slice(-2)).toEqual(pairs([a1!, a2!]));
    expect(await take(await open(ADMIN_TOKEN, "", { "Last-Event-ID": a1!.id }), 3)).toEqual(pairs([b1!, a2!, b2!]));
    expect(await take(await open(ADMIN_TOKEN, "", { "Last-Event-ID": a1!.id, "X-Tenant-ID": A }), 1)).toEqual(pairs([a2!]));
    // Live after the D1 replay: still B's only.
    const reader = await open(keyB, "", { "Last-Event-ID": b2!.id });
    const live = await publish([[A, "d3"], [B, "d3"]]);
    expect(await take(reader, 1)).toEqual(pairs([live[1]!]));
  });
});

describe("the event log per tenant", () => {
  it("lists only the tenant's events; the admin lists every tenant's (each with its tenantId) or one with X-Tenant-ID", async () => {
    const published = await publish([[A, "log"], [B, "log"]]);
    const list = async (token: string, headers: Record<string, string> = {}) => {
      const res = await call("/events?type=tnstream.log&limit=100", { token, headers });
      expect(res.status).toBe(200);
      return (res.json.data.events as { id: string; tenantId: string }[]).map((e): [string, string] => [e.id, e.tenantId]);
    };
    const newestFirst = pairs([...published].reverse());
    expect(await list(keyA)).toEqual(pairs([published[0]!]));
    expect(await list(keyB)).toEqual(pairs([published[1]!]));
    expect(await list(ADMIN_TOKEN)).toEqual(newestFirst);
    expect(await list(ADMIN_TOKEN, { "X-Tenant-ID": B })).toEqual(pairs([published[1]!]));
  });

  it("answers another tenant's event id with 404 NOT_FOUND, and lists only the tenant's deliveries", async () => {
    const [a1] = await publish([[A, "detail"]]);
    const now = Date.now();
    // Deliveries pair same-tenant events and subscriptions; a row of another tenant must not show anyway.
    const insert = env.DB.prepare(
      "INSERT INTO deliveries (id, tenant_id, event_id, subscription_id, event_type, status, attempts, created_at, updated_at, completed_at) VALUES (?, ?, ?, ?, ?, 'delivered', 1, ?, ?, ?)",
    );
    await env.DB.batch([
      insert.bind("dlv-tnstream-a", A, a1!.id, "sub-tnstream-a", a1!.type, now, now, now),
      insert.bind("dlv-tnstream-b", B, a1!.id, "sub-tnstream-b", a1!.type, now, now, now),
    ]);
    const own = await call(`/events/${a1!.id}`, { token: keyA });
    expect(own.status).toBe(200);
    expect(own.json.data).toMatchObject({ id: a1!.id, tenantId: A });
    expect(own.json.data.deliveries).toEqual([{ id: "dlv-tnstream-a", subscriptionId: "sub-tnstream-a", status: "delivered", attempts: 1 }]);
    const foreign = await call(`/events/${a1!.id}`, { token: keyB });
    expect(foreign.status).toBe(404);
    expect(foreign.json.code).toBe("NOT_FOUND");
    const unknown = await call("/events/evt-0000000000000000000000ZZ", { token: keyB });
    expect(foreign.json.error).toBe(String(unknown.json.error).replace("evt-0000000000000000000000ZZ", a1!.id));
    expect((await call(`/events/${a1!.id}`, { headers: { "X-Tenant-ID": B } })).status).toBe(404);
    const admin = await call(`/events/${a1!.id}`);
    expect(admin.status).toBe(200);
    expect(admin.json.data.deliveries.map((d: { id: string }) => d.id).sort()).toEqual(["dlv-tnstream-a", "dlv-tnstream-b"]);
  });
});
