// Audit trail through the real Worker: one row per token admin action, GET /audit filters and pagination.
import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { auditStatement, type AuditEntry } from "../../src/ops/audit";
import { publishAll } from "../../src/publish";
import { call, createToken } from "./helpers";
import { customEventType } from "../../src/events/types";

async function auditRows(query = "") {
  const res = await call(`/audit${query}`);
  expect(res.status).toBe(200);
  return res.json.data as { items: any[]; nextCursor: string | null };
}

describe("audit rows for token administration", () => {
  it("records create, update and delete with actor, target, request id and details", async () => {
    const created = await call("/tokens", { body: { name: "zap", type: "zapier", endpoints: ["task"] }, headers: { "X-Request-ID": "audit-create-1" } });
    expect(created.status).toBe(201);
    const id = created.json.data.id as string;
    expect((await call(`/tokens/${id}`, { method: "PATCH", body: { name: "zap 2", active: false }, headers: { "X-Request-ID": "audit-update-1" } })).status).toBe(200);
    expect((await call(`/tokens/${id}`, { method: "DELETE", headers: { "X-Request-ID": "audit-delete-1" } })).status).toBe(200);

    const { items } = await auditRows(`?target=${id}`);
    expect(items.map((r) => r.action)).toEqual(["token.delete", "token.update", "token.create"]);
    const [del, upd, cre] = items;
    for (const row of items) {
      expect(row.actorTokenId).toBe("admin");
      expect(row.target).toEqual({ type: "token", id });
      expect(row.id).toMatch(/^aud-/);
      expect(new Date(row.createdAt).toISOString()).toBe(row.createdAt);
    }
    expect(cre.requestId).toBe("audit-create-1");
    expect(cre.details).toEqual({ name: "zap", type: "zapier", endpoints: ["task"], rateLimit: null, active: true, expiresAt: null });
    expect(JSON.stringify(cre)).not.toContain("ehk_");
    expect(upd.requestId).toBe("audit-update-1");
    expect(upd.details).toEqual({ changes: { name: "zap 2", active: false } });
    expect(del.requestId).toBe("audit-delete-1");
    expect(del.details).toBeNull();
  });

  it("names the token that acted, not only the admin", async () => {
    const admin2 = await createToken(["tokens", "notify"]);
    const res = await call("/tokens", { token: admin2.key, body: { name: "made by a token", endpoints: ["notify"] } });
    expect(res.status).toBe(201);
    const { items } = await auditRows(`?target=${res.json.data.id}`);
    expect(items).toHaveLength(1);
    expect(items[0].actorTokenId).toBe(admin2.id);
  });

  it("writes no row when the action does not happen", async () => {
    const before = (await env.DB.prepare("SELECT count(*) AS n FROM audit").first<{ n: number }>())!.n;
    expect((await call("/tokens/tok-missing", { method: "PATCH", body: { name: "x" } })).status).toBe(404);
    expect((await call("/tokens/tok-missing", { method: "DELETE" })).status).toBe(404);
    expect((await call("/tokens", { body: { name: "", endpoints: [] } })).status).toBe(400);
    const after = (await env.DB.prepare("SELECT count(*) AS n FROM audit").first<{ n: number }>())!.n;
    expect(after).toBe(before);
  });
});

describe("audit rows inside a publishing batch", () => {
  const entry = (id: string): AuditEntry => ({ id, action: "token.update", actorTokenId: "admin", targetType: "token", targetId: "t", requestId: "req-batch", details: null, createdAt: Date.now(), tenantId: "default" });
  const rename = (tokenId: string) => env.DB.prepare("UPDATE tokens SET name = 'renamed' WHERE id = ?").bind(tokenId);
  const exists = async (table: "audit" | "events", id: string) => (await env.DB.prepare(`SELECT 1 AS x FROM ${table} WHERE id = ?`).bind(id).first()) !== null;

  it("as the last statement with requireChange: audit row and event exist iff the guarded change happened", async () => {
    const token = await createToken(["task"]);
    const changed = await publishAll(env, createExecutionContext(), [{ tenantId: "default", type: customEventType("test.audited"), data: {} }], {
      statements: [rename(token.id), auditStatement(env.DB, entry("aud-batch-yes"), { onlyIfChanged: true })],
      requireChange: true,
    });
    expect(changed).toHaveLength(1);
    expect(await exists("audit", "aud-batch-yes")).toBe(true);
    expect(await exists("events", changed[0]!.id)).toBe(true);

    const unchanged = await publishAll(env, createExecutionContext(), [{ tenantId: "default", type: customEventType("test.audited"), data: {} }], {
      statements: [rename("tok-missing"), auditStatement(env.DB, entry("aud-batch-no"), { onlyIfChanged: true })],
      requireChange: true,
    });
    expect(unchanged).toEqual([]);
    expect(await exists("audit", "aud-batch-no")).toBe(false);
    expect((await env.DB.prepare("SELECT count(*) AS n FROM events WHERE type = 'test.audited'").first<{ n: number }>())!.n).toBe(1);
  });
});

describe("GET /audit", () => {
  it("filters by action, action family, actor and target type", async () => {
    const t = await createToken(["task"]);
    await call(`/tokens/${t.id}`, { method: "PATCH", body: { rateLimit: 50 } });
    const updates = await auditRows("?action=token.update");
    expect(updates.items.length).toBeGreaterThan(0);
    expect(updates.items.every((r) => r.action === "token.update")).toBe(true);
    const family = await auditRows("?action=token.*&limit=200");
    expect(family.items.every((r) => r.action.startsWith("token."))).toBe(true);
    expect(family.items.some((r) => r.action === "token.create")).toBe(true);
    expect(family.items.some((r) => r.action === "token.update")).toBe(true);
    expect((await auditRows("?action=subscription.*")).items).toEqual([]);
    const byAdmin = (await auditRows("?actor=admin&targetType=token&limit=200")).items;
    expect(byAdmin.map((r) => r.id)).toEqual(family.items.filter((r) => r.actorTokenId === "admin").map((r) => r.id));
    expect(byAdmin.length).toBeGreaterThan(0);
    expect((await auditRows("?actor=tok-nobody")).items).toEqual([]);
  });

  it("filters by time window [since, until)", async () => {
    await env.DB.prepare("INSERT INTO audit (id, action, actor_token_id, target_type, target_id, request_id, details, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .bind("aud-window-1", "token.update", "admin", "token", "tok-w", "req-w", null, Date.UTC(2020, 0, 1, 12))
      .run();
    expect((await auditRows("?since=2020-01-01T00:00:00Z&until=2020-01-02T00:00:00Z")).items.map((r) => r.id)).toEqual(["aud-window-1"]);
    expect((await auditRows("?since=2020-01-01T12:00:00Z&until=2020-01-01T12:00:00.001Z")).items.map((r) => r.id)).toEqual(["aud-window-1"]);
    expect((await auditRows("?until=2020-01-01T12:00:00Z")).items).toEqual([]);
  });

  it("pages newest first with a cursor and a next link, without gaps or repeats", async () => {
    for (let i = 0; i < 5; i++) await createToken(["task"]);
    const all = (await auditRows("?limit=200")).items.map((r) => r.id);
    const seen: string[] = [];
    let query = "?limit=2";
    for (let page = 0; page < 100; page++) {
      const res = await call(`/audit${query}`);
      seen.push(...res.json.data.items.map((r: any) => r.id));
      if (!res.json.data.nextCursor) {
        expect(res.json.links).toBeUndefined();
        break;
      }
      expect(res.json.links.next).toContain(`cursor=${encodeURIComponent(res.json.data.nextCursor)}`);
      query = `?limit=2&cursor=${encodeURIComponent(res.json.data.nextCursor)}`;
    }
    expect(seen).toEqual(all);
    const times = (await auditRows("?limit=200")).items.map((r) => Date.parse(r.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it("validates its query and needs the admin scope", async () => {
    expect((await call("/audit?cursor=nonsense")).json.code).toBe("SCHEMA_VALIDATION_ERROR");
    expect((await call("/audit?since=yesterday")).json.code).toBe("SCHEMA_VALIDATION_ERROR");
    expect((await call("/audit?action=DROP TABLE")).json.code).toBe("SCHEMA_VALIDATION_ERROR");
    expect((await call("/audit?limit=500")).status).toBe(400);
    const tokensOnly = await createToken(["tokens"]);
    expect((await call("/audit", { token: tokensOnly.key })).status).toBe(403);
    expect((await call("/audit", { token: null })).status).toBe(401);
  });
});

describe("audit rows for subscription, delivery, queue and channel administration", () => {
  /** Audit rows for a target, polling briefly because these rows are written after the response. */
  async function rowsFor(targetType: string, target: string, expected: number) {
    let items: any[] = [];
    for (let i = 0; i < 50 && items.length < expected; i++) {
      items = (await auditRows(`?targetType=${targetType}&target=${encodeURIComponent(target)}`)).items;
      if (items.length < expected) await new Promise((r) => setTimeout(r, 20));
    }
    return items;
  }

  it("records each admin action on a subscription with the request id", async () => {
    const created = await call("/subscriptions", { body: { url: "http://127.0.0.1:9/hook", events: ["task.*"] }, headers: { "X-Request-ID": "audit-sub-create" } });
    expect(created.status).toBe(201);
    const id = created.json.data.id as string;
    expect((await call(`/subscriptions/${id}`, { method: "PATCH", body: { name: "renamed" } })).status).toBe(200);
    expect((await call(`/subscriptions/${id}/rotate-secret`, { method: "POST" })).status).toBe(200);
    expect((await call(`/subscriptions/${id}/pause`, { method: "POST" })).status).toBe(200);
    expect((await call(`/subscriptions/${id}/resume`, { method: "POST" })).status).toBe(200);
    expect((await call(`/subscriptions/${id}`, { method: "DELETE" })).status).toBe(200);
    const items = await rowsFor("subscription", id, 6);
    expect(items.map((r) => r.action).sort()).toEqual(
      ["subscription.create", "subscription.delete", "subscription.pause", "subscription.resume", "subscription.rotate_secret", "subscription.update"].sort(),
    );
    const create = items.find((r) => r.action === "subscription.create");
    expect(create).toMatchObject({ actorTokenId: "admin", requestId: "audit-sub-create" });
    expect(JSON.stringify(items)).not.toMatch(/whsec_/);
  });

  it("records queue redelivery and channel changes", async () => {
    const retried = await call("/queue/retry-failed", { method: "POST" });
    expect(retried.status, retried.text).toBe(202);
    let queueRows: any[] = [];
    for (let i = 0; i < 50 && queueRows.length === 0; i++) {
      queueRows = (await auditRows("?action=queue.retry_failed")).items;
      if (queueRows.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(queueRows[0]).toMatchObject({ action: "queue.retry_failed", target: { type: "queue" }, details: { retried: 0 } });
    expect((await call("/channels", { body: { name: "ops-alerts", type: "slack", url: "http://127.0.0.1:9/slack" } })).status).toBe(201);
    const deleted = await call("/channels/ops-alerts", { method: "DELETE" });
    expect(deleted.status, deleted.text).toBe(200);
    expect((await rowsFor("channel", "ops-alerts", 2)).map((r) => r.action).sort()).toEqual(["channel.create", "channel.delete"]);
  });
});
