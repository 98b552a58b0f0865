// Subscription API, outbox and sweep through the real Worker (D1, Queues, Durable Objects).
import { createMessageBatch, createExecutionContext, createScheduledController, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { publishAll } from "../../src/publish";
import { openSecret } from "../../src/lib/secret-box";
import { call, createToken } from "./helpers";
import { customEventType } from "../../src/events/types";

// Nothing listens on port 9: attempts fail fast with a network error.
const DEAD_URL = "http://127.0.0.1:9/hook";

async function subscribe(body: Record<string, unknown> = {}) {
  const res = await call("/subscriptions", { body: { url: DEAD_URL, events: ["order.*"], ...body } });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${res.text}`);
  return res.json.data;
}

async function rows(sql: string, ...values: unknown[]) {
  return (await env.DB.prepare(sql).bind(...values).all<any>()).results;
}

describe("creating subscriptions", () => {
  it("returns 201 with a whsec_ secret that is stored only sealed", async () => {
    const res = await call("/subscribe", { body: { url: DEAD_URL, events: ["task.*", "github.push"], name: "ci", headers: { "X-Team": "a" } } });
    expect(res.status).toBe(201);
    const sub = res.json.data;
    expect(sub.id).toMatch(/^sub-/);
    expect(sub.secret).toMatch(/^whsec_/);
    expect(sub).toMatchObject({ url: DEAD_URL, events: ["task.*", "github.push"], name: "ci", method: "POST", active: true, status: "active", timeoutMs: 30000 });
    expect(sub.retryPolicy).toEqual({ strategy: "exponential", maxRetries: 4, initialDelayMs: 1000, maxDelayMs: 3600000 });
    expect(res.json.links.self).toBe(`/webhooks/v2/subscriptions/${sub.id}`);
    const [row] = await rows("SELECT * FROM subscriptions WHERE id = ?", sub.id);
    expect(row.secret_enc).not.toContain(sub.secret.slice(6));
    expect(await openSecret(env.ENCRYPTION_KEY, row.secret_enc, sub.id)).toBe(sub.secret);
    const read = await call(`/subscriptions/${sub.id}`);
    expect(read.status).toBe(200);
    expect(read.json.data.secret).toBeUndefined();
  });

  it("seals outbound credentials and shows only their non-secret part", async () => {
    const sub = await subscribe({ auth: { type: "basic", username: "u", password: "hunter2" } });
    expect(sub.auth).toEqual({ type: "basic", username: "u" });
    const [row] = await rows("SELECT auth_enc FROM subscriptions WHERE id = ?", sub.id);
    expect(row.auth_enc).not.toContain("hunter2");
    expect(JSON.parse(await openSecret(env.ENCRYPTION_KEY, row.auth_enc, sub.id))).toEqual({ password: "hunter2" });
  });

  it("refuses bad input with SCHEMA_VALIDATION_ERROR naming the field", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ url: "ftp://example.com/x", events: ["a.b"] }, "url"],
      [{ url: DEAD_URL, events: [] }, "events"],
      [{ url: DEAD_URL, events: ["a.*.b"] }, "events.0"],
      [{ url: DEAD_URL, events: ["a"], method: "GET" }, "method"],
      [{ url: DEAD_URL, events: ["a"], retryPolicy: { maxRetries: 11 } }, "retryPolicy.maxRetries"],
      [{ url: DEAD_URL, events: ["a"], headers: { "X-Webhook-ID": "x" } }, "headers"],
      [{ url: DEAD_URL, events: ["a"], filters: { all: [{ field: "data.x", operator: "in", value: 1 }] } }, "filters.all.0"],
      [{ url: DEAD_URL, events: ["a"], secret: "whsec_???" }, "secret"],
      [{ url: DEAD_URL, events: ["a"], auth: { type: "bearer" } }, "auth.token"],
    ];
    for (const [body, field] of cases) {
      const res = await call("/subscriptions", { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.code).toBe("SCHEMA_VALIDATION_ERROR");
      expect(res.json.details.field.startsWith(field), res.json.details.field).toBe(true);
    }
  });

  it("needs the subscriptions scope", async () => {
    const tasks = await createToken(["task"]);
    expect((await call("/subscriptions", { token: tasks.key })).status).toBe(403);
    expect((await call("/subscriptions", { token: null })).status).toBe(401);
    const subs = await createToken(["subscriptions"]);
    expect((await call("/subscriptions", { token: subs.key })).status).toBe(200);
  });
});

describe("listing, updating, deleting", () => {
  it("pages with a cursor and filters by status and event", async () => {
    const a = await subscribe({ events: ["billing.*"] });
    const b = await subscribe({ events: ["billing.invoice.paid"], active: false });
    const c = await subscribe({ events: ["*"] });
    const first = await call("/subscriptions?limit=2");
    expect(first.json.data.items).toHaveLength(2);
    const rest = await call(`/subscriptions?limit=100&cursor=${first.json.data.nextCursor}`);
    const all = [...first.json.data.items, ...rest.json.data.items].map((s: any) => s.id);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toEqual(expect.arrayContaining([a.id, b.id, c.id]));
    const inactive = (await call("/subscriptions?status=inactive&limit=100")).json.data.items.map((s: any) => s.id);
    expect(inactive).toContain(b.id);
    expect(inactive).not.toContain(a.id);
    const paid = (await call("/subscriptions?event=billing.invoice.paid&limit=100")).json.data.items.map((s: any) => s.id);
    expect(paid).toEqual(expect.arrayContaining([a.id, b.id, c.id]));
    const other = (await call("/subscriptions?event=shipping.sent&limit=100")).json.data.items.map((s: any) => s.id);
    expect(other).toContain(c.id);
    expect(other).not.toContain(a.id);
  });

  it("patches some fields, replaces all with PUT, deletes", async () => {
    const sub = await subscribe({ name: "before", description: "d", timeoutMs: 5000 });
    const patched = await call(`/subscriptions/${sub.id}`, { method: "PATCH", body: { name: "after", retryPolicy: { maxRetries: 2 } } });
    expect(patched.status).toBe(200);
    expect(patched.json.data).toMatchObject({ name: "after", description: "d", timeoutMs: 5000, retryPolicy: { maxRetries: 2, strategy: "exponential" } });
    const put = await call(`/subscriptions/${sub.id}`, { method: "PUT", body: { url: DEAD_URL, events: ["x.y"] } });
    expect(put.status).toBe(200);
    expect(put.json.data).toMatchObject({ name: null, description: null, timeoutMs: 30000, events: ["x.y"], retryPolicy: { maxRetries: 4 } });
    expect((await call(`/subscriptions/${sub.id}`, { method: "DELETE" })).json.data).toEqual({ id: sub.id, deleted: true });
    expect((await call(`/subscriptions/${sub.id}`)).status).toBe(404);
    expect((await call(`/subscriptions/${sub.id}`, { method: "DELETE" })).status).toBe(404);
  });

  it("rotates the secret and keeps the old one in grace", async () => {
    const sub = await subscribe();
    const res = await call(`/subscriptions/${sub.id}/rotate-secret`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(res.json.data.secret).toMatch(/^whsec_/);
    expect(res.json.data.secret).not.toBe(sub.secret);
    const expires = Date.parse(res.json.data.previousSecretExpiresAt);
    expect(expires - Date.now()).toBeGreaterThan(23 * 3600 * 1000);
    expect(expires - Date.now()).toBeLessThanOrEqual(24 * 3600 * 1000);
    const [row] = await rows("SELECT * FROM subscriptions WHERE id = ?", sub.id);
    expect(await openSecret(env.ENCRYPTION_KEY, row.previous_secret_enc, sub.id)).toBe(sub.secret);
  });
});

describe("publishing fills the outbox", () => {
  it("POST /events writes one delivery per matching subscription in the event's batch", async () => {
    const match = await subscribe({ events: ["shop.order.*"] });
    const filtered = await subscribe({ events: ["shop.*"], filters: { all: [{ field: "data.total", operator: "greater_than", value: 100 }] } });
    const other = await subscribe({ events: ["shop.refund"] });
    const paused = await subscribe({ events: ["*"], active: false });
    const res = await call("/events", { body: { type: "shop.order.created", data: { total: 50 } } });
    expect(res.status).toBe(201);
    expect(res.json.data).toMatchObject({ type: "shop.order.created", data: { total: 50 } });
    const deliveries = await rows("SELECT * FROM deliveries WHERE event_id = ?", res.json.data.id);
    const bySub = new Map(deliveries.map((d: any) => [d.subscription_id, d]));
    expect(bySub.has(match.id)).toBe(true);
    expect(bySub.has(filtered.id)).toBe(false);
    expect(bySub.has(other.id)).toBe(false);
    expect(bySub.get(paused.id)).toMatchObject({ status: "pending", next_at: null });
    expect(res.json.data.deliveries).toBe(deliveries.length);
  });

  it("needs the events scope (or admin)", async () => {
    const subs = await createToken(["subscriptions"]);
    expect((await call("/events", { token: subs.key, body: { type: "a.b", data: {} } })).status).toBe(403);
    const events = await createToken(["events"]);
    expect((await call("/events", { token: events.key, body: { type: "a.b", data: {} } })).status).toBe(201);
    const admin = await createToken(["admin"]);
    expect((await call("/events", { token: admin.key, body: { type: "a.b", data: {} } })).status).toBe(201);
    expect((await call("/events", { body: { type: "bad type", data: {} } })).status).toBe(400);
  });
});

describe("the consumer and the sweep", () => {
  it("records a failed attempt and schedules a retry, visible in history and stats", async () => {
    const sub = await subscribe({ events: ["probe.one"], retryPolicy: { initialDelayMs: 60_000 } });
    const published = await call("/events", { body: { type: "probe.one", data: {} } });
    let detail: any;
    for (let i = 0; i < 100; i++) {
      const list = await call(`/subscriptions/${sub.id}/deliveries`);
      const d = list.json.data.items[0];
      if (d && d.status === "retrying") {
        detail = (await call(`/subscriptions/${sub.id}/deliveries/${d.id}`)).json.data;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(detail).toMatchObject({ eventId: published.json.data.id, status: "retrying", attempts: 1 });
    expect(detail.attemptLog).toHaveLength(1);
    expect(detail.attemptLog[0]).toMatchObject({ attempt: 1, statusCode: 503, verdict: "retry" });
    expect(Date.parse(detail.nextAttemptAt) - Date.now()).toBeGreaterThan(50_000);
    const stats = (await call(`/subscriptions/${sub.id}/stats`)).json.data;
    expect(stats).toMatchObject({ totalDeliveries: 1, retrying: 1, consecutiveFailures: 1, circuit: "closed" });
    expect(stats.latencyMs.sample).toBe(1);
    expect((await call(`/subscriptions/${sub.id}/deliveries?status=success`)).json.data.items).toHaveLength(0);
  });

  it("records the last attempt of an exhausted delivery as exhausted, not retry", async () => {
    const sub = await subscribe({ events: ["probe.last"], retryPolicy: { maxRetries: 0 } });
    await call("/events", { body: { type: "probe.last", data: {} } });
    let detail: any;
    for (let i = 0; i < 100 && detail?.status !== "failed"; i++) {
      const d = (await call(`/subscriptions/${sub.id}/deliveries`)).json.data.items[0];
      if (d) detail = (await call(`/subscriptions/${sub.id}/deliveries/${d.id}`)).json.data;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(detail).toMatchObject({ status: "failed", attempts: 1 });
    expect(detail.attemptLog).toEqual([expect.objectContaining({ attempt: 1, statusCode: 503, verdict: "exhausted" })]);
  });

  it("the cron sweep re-enqueues an outbox row whose message was lost", async () => {
    const sub = await subscribe({ events: ["lost.one"], retryPolicy: { initialDelayMs: 60_000 } });
    const past = Date.now() - 120_000;
    await env.DB.batch([
      env.DB.prepare("INSERT INTO events (id, type, data, created_at) VALUES ('evt-lost', 'lost.one', '{}', ?)").bind(past),
      env.DB.prepare("INSERT INTO deliveries (id, event_id, subscription_id, event_type, status, attempts, round_start, next_at, created_at, updated_at) VALUES ('dlv-lost', 'evt-lost', ?, 'lost.one', 'pending', 0, 0, ?, ?, ?)").bind(sub.id, past, past, past),
    ]);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    let row: any;
    for (let i = 0; i < 100; i++) {
      [row] = await rows("SELECT * FROM deliveries WHERE id = 'dlv-lost'");
      if (row.attempts > 0 && row.status !== "sending") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(row).toMatchObject({ attempts: 1, status: "retrying" });
  });

  it("the dead-letter consumer records deliveries as failed and retry-failed brings them back", async () => {
    const sub = await subscribe({ events: ["dead.one"], active: false });
    const published = await call("/events", { body: { type: "dead.one", data: {} } });
    const [delivery] = await rows("SELECT * FROM deliveries WHERE event_id = ? AND subscription_id = ?", published.json.data.id, sub.id);
    const batch = createMessageBatch("edgehook-deliveries-dlq", [{ id: "m1", timestamp: Date.now(), attempts: 1, body: { deliveryId: delivery.id, subscriptionId: sub.id, attempt: 0 } }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.ackAll).toBe(true);
    const [dead] = await rows("SELECT * FROM deliveries WHERE id = ?", delivery.id);
    expect(dead.status).toBe("failed");
    expect(dead.dead_lettered_at).toBeGreaterThan(0);
    const stats = (await call("/queue/stats")).json.data;
    expect(stats.deadLetter.count).toBeGreaterThanOrEqual(1);
    // Inactive subscriptions are not redelivered; after resume they are.
    expect((await call("/queue/retry-failed", { method: "POST", body: { subscriptionId: sub.id } })).json.data.retried).toBe(0);
    const resumed = await call(`/subscriptions/${sub.id}/resume`, { method: "POST" });
    expect(resumed.status, resumed.text).toBe(200);
    const retried = await call("/queue/retry-failed", { method: "POST", body: { subscriptionId: sub.id } });
    expect(retried.status).toBe(202);
    expect(retried.json.data.retried).toBe(1);
    const [back] = await rows("SELECT * FROM deliveries WHERE id = ?", delivery.id);
    expect(back.dead_lettered_at).toBeNull();
  });

  it("stale and duplicate messages are acknowledged without an attempt", async () => {
    const sub = await subscribe({ events: ["dup.one"], active: false });
    const published = await call("/events", { body: { type: "dup.one", data: {} } });
    const [delivery] = await rows("SELECT * FROM deliveries WHERE event_id = ? AND subscription_id = ?", published.json.data.id, sub.id);
    const body = { deliveryId: delivery.id, subscriptionId: sub.id, attempt: 7 };
    const batch = createMessageBatch("edgehook-deliveries", [{ id: "s1", timestamp: Date.now(), attempts: 1, body }, { id: "s2", timestamp: Date.now(), attempts: 1, body: { nonsense: true } as any }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["s1", "s2"]);
    expect(result.retryMessages).toEqual([]);
    expect((await rows("SELECT COUNT(*) AS n FROM attempts WHERE delivery_id = ?", delivery.id))[0].n).toBe(0);
  });
});

describe("guarded publishes", () => {
  it("write outbox rows only when the guarded statement changed a row", async () => {
    const sub = await subscribe({ events: ["guard.*"], active: false });
    const noop = env.DB.prepare("UPDATE subscriptions SET updated_at = updated_at WHERE id = 'nope'");
    const lost = await publishAll(env, createExecutionContext(), [{ tenantId: "default", type: customEventType("guard.lost"), data: {} }], { statements: [noop], requireChange: true });
    expect(lost).toEqual([]);
    const touch = env.DB.prepare("UPDATE subscriptions SET updated_at = updated_at WHERE id = ?").bind(sub.id);
    const [won] = await publishAll(env, createExecutionContext(), [{ tenantId: "default", type: customEventType("guard.won"), data: {} }], { statements: [touch], requireChange: true });
    expect(won!.deliveryCount).toBeGreaterThanOrEqual(1);
    const written = await rows("SELECT event_type FROM deliveries WHERE subscription_id = ?", sub.id);
    expect(written.map((r: any) => r.event_type)).toEqual(["guard.won"]);
  });
});

describe("OpenAPI", () => {
  it("documents every delivery route with exactly its methods, and the destination field", async () => {
    const doc = (await call("/openapi.json", { token: null })).json;
    const routes: Record<string, string[]> = {
      "/subscribe": ["post"],
      "/subscriptions": ["get", "post"],
      "/subscriptions/{id}": ["delete", "get", "patch", "put"],
      "/subscriptions/{id}/rotate-secret": ["post"],
      "/subscriptions/{id}/test": ["post"],
      "/subscriptions/{id}/pause": ["post"],
      "/subscriptions/{id}/resume": ["post"],
      "/subscriptions/{id}/deliveries": ["get"],
      "/subscriptions/{id}/deliveries/{deliveryId}": ["get"],
      "/subscriptions/{id}/deliveries/{deliveryId}/retry": ["post"],
      "/subscriptions/{id}/stats": ["get"],
      "/destinations": ["get"],
      "/event-types": ["get"],
      "/queue/stats": ["get"],
      "/queue/retry-failed": ["post"],
      "/channels": ["get", "post"],
      "/channels/{name}": ["delete", "get", "patch"],
    };
    for (const [path, methods] of Object.entries(routes)) {
      const item = doc.paths[`/webhooks/v2${path}`] ?? {};
      expect(Object.keys(item).sort(), path).toEqual(methods);
      for (const method of methods) expect(Object.keys(item[method].responses), `${method} ${path}`).toEqual(expect.arrayContaining(["400", "401"]));
    }
    const create = doc.paths["/webhooks/v2/subscriptions"].post.requestBody;
    expect(create.required).toBe(true);
    const schema = create.content["application/json"].schema;
    const resolved = schema.$ref ? doc.components.schemas[schema.$ref.split("/").pop()] : schema;
    expect(Object.keys(resolved.properties)).toEqual(expect.arrayContaining(["destination", "url", "events"]));
    expect(resolved.required).toEqual(["events"]);
    // Body-less actions: no required body.
    expect(doc.paths["/webhooks/v2/subscriptions/{id}/rotate-secret"].post.requestBody.required).toBe(false);
  });
});

describe("catalogue", () => {
  it("lists each built-in event type once, with a description and an example", async () => {
    const res = await call("/event-types");
    expect(res.status).toBe(200);
    const types: string[] = res.json.data.items.map((t: any) => t.type);
    expect(new Set(types).size).toBe(types.length);
    for (const type of ["notify.sent", "research.completed", "research.started", "subscription.disabled", "task.completed", "task.created", "task.failed", "webhook.test"]) expect(types, type).toContain(type);
    for (const t of res.json.data.items) {
      expect(t.description.length, t.type).toBeGreaterThan(10);
      expect(Object.keys(t.example).length, t.type).toBeGreaterThan(0);
    }
    expect(res.json.data.items.find((t: any) => t.type === "task.created").example).toHaveProperty("taskId");
  });
});

describe("destination guard through the API (ALLOW_PRIVATE_DESTINATIONS=false)", () => {
  const STRICT = { ALLOW_PRIVATE_DESTINATIONS: "false" };

  it("refuses loopback, private, link-local and metadata URLs on create and update with a 400 naming url", async () => {
    for (const url of ["http://127.0.0.1/hook", "http://localhost:8080/x", "http://10.0.0.5/x", "http://169.254.169.254/latest/meta-data", "http://[::1]/x", "http://[::ffff:192.168.1.1]/x"]) {
      const res = await call("/subscriptions", { body: { url, events: ["*"] }, vars: STRICT });
      expect(res.status, url).toBe(400);
      expect(res.json).toMatchObject({ code: "SCHEMA_VALIDATION_ERROR", details: { field: "url" } });
    }
    const ok = await call("/subscriptions", { body: { url: "https://hooks.example.com/in", events: ["*"] }, vars: STRICT });
    expect(ok.status).toBe(201);
    const patched = await call(`/subscriptions/${ok.json.data.id}`, { method: "PATCH", body: { url: "http://192.168.0.10/x" }, vars: STRICT });
    expect(patched.status).toBe(400);
    expect(patched.json.details.field).toBe("url");
  });
});

describe("POST /subscriptions/:id/deliveries/:deliveryId/retry", () => {
  it("puts a failed delivery back to pending and answers 404 for unknown ids", async () => {
    const sub = await subscribe();
    const past = Date.now() - 60_000;
    await env.DB.batch([
      env.DB.prepare("INSERT INTO events (id, type, data, created_at) VALUES ('evt-retry-1', 'order.paid', '{}', ?)").bind(past),
      env.DB.prepare(
        "INSERT INTO deliveries (id, event_id, subscription_id, event_type, status, attempts, round_start, next_at, created_at, updated_at, dead_lettered_at) VALUES ('dlv-retry-1', 'evt-retry-1', ?, 'order.paid', 'failed', 5, 0, NULL, ?, ?, ?)",
      ).bind(sub.id, past, past, past),
    ]);
    const res = await call(`/subscriptions/${sub.id}/deliveries/dlv-retry-1/retry`, { method: "POST" });
    expect(res.status).toBe(202);
    expect(res.json.data).toEqual({ id: "dlv-retry-1", status: "pending" });
    // A new round of the retry policy starts at the attempts made so far (the consumer may already be sending it).
    const [row] = await rows("SELECT round_start, attempts FROM deliveries WHERE id = 'dlv-retry-1'");
    expect(row.round_start).toBe(5);
    expect(row.attempts).toBeGreaterThanOrEqual(5);
    expect((await call(`/subscriptions/${sub.id}/deliveries/dlv-nope/retry`, { method: "POST" })).status).toBe(404);
    expect((await call(`/subscriptions/sub-nope/deliveries/dlv-retry-1/retry`, { method: "POST" })).status).toBe(404);
  });
});
