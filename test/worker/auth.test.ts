// Authentication and token administration through the real Worker and D1.
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, createToken } from "./helpers";

const TASK = { action: "add_task", task: "write the quarterly report" };

describe("credentials", () => {
  it("refuses a request without credentials (401 UNAUTHORIZED envelope)", async () => {
    const res = await call("/tokens", { token: null });
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ success: false, code: "UNAUTHORIZED", retryable: false });
    expect(res.headers.get("WWW-Authenticate")).toContain("Bearer");
  });

  it("refuses an unknown key", async () => {
    const res = await call("/tokens", { token: "ehk_not-a-real-key-000000000000000000000000" });
    expect(res.status).toBe(401);
    expect(res.json.code).toBe("UNAUTHORIZED");
  });

  it("accepts the admin secret as Bearer, X-API-Key and ?api_key=", async () => {
    expect((await call("/tokens")).status).toBe(200);
    expect((await call("/tokens", { token: null, headers: { "X-API-Key": ADMIN_TOKEN } })).status).toBe(200);
    expect((await call(`/tokens?api_key=${ADMIN_TOKEN}`, { token: null })).status).toBe(200);
  });

  it("accepts a created token in all three ways and refuses a scope it lacks (403)", async () => {
    const { key } = await createToken(["task"]);
    expect((await call("/task", { token: key, body: TASK })).status).toBe(201);
    expect((await call("/task", { token: null, headers: { "X-API-Key": key }, body: TASK })).status).toBe(201);
    expect((await call(`/task?api_key=${key}`, { token: null, body: TASK })).status).toBe(201);
    const forbidden = await call("/notify", { token: key, body: { action: "send_notification", priority: "P1", title: "t", body: "b" } });
    expect(forbidden.status).toBe(403);
    expect(forbidden.json).toMatchObject({ code: "FORBIDDEN", details: { required: "notify" } });
  });

  it("lets a '*' token use every scope", async () => {
    const { key } = await createToken(["*"]);
    expect((await call("/tokens", { token: key })).status).toBe(200);
  });

  it("refuses a revoked token at once in this isolate", async () => {
    const { id, key } = await createToken(["task"]);
    expect((await call("/task", { token: key, body: TASK })).status).toBe(201);
    expect((await call(`/tokens/${id}`, { method: "DELETE" })).status).toBe(200);
    const res = await call("/task", { token: key, body: TASK });
    expect(res.status).toBe(401);
  });

  it("refuses a deactivated token and accepts it again when reactivated", async () => {
    const { id, key } = await createToken(["task"]);
    await call(`/tokens/${id}`, { method: "PATCH", body: { active: false } });
    const refused = await call("/task", { token: key, body: TASK });
    expect(refused.status).toBe(401);
    expect(refused.json.error).toMatch(/deactivated/);
    await call(`/tokens/${id}`, { method: "PATCH", body: { active: true } });
    expect((await call("/task", { token: key, body: TASK })).status).toBe(201);
  });

  it("refuses an expired token", async () => {
    const { key } = await createToken(["task"], { expiresAt: new Date(Date.now() + 1000).toISOString() });
    await new Promise((r) => setTimeout(r, 1100));
    const res = await call("/task", { token: key, body: TASK });
    expect(res.status).toBe(401);
    expect(res.json.error).toMatch(/expired/);
  });
});

describe("token administration", () => {
  it("shows the key only on creation and stores only its hash", async () => {
    const created = await call("/tokens", { body: { name: "zap", type: "zapier", endpoints: ["task", "notify"], rateLimit: 500 } });
    expect(created.status).toBe(201);
    const { key, id } = created.json.data;
    expect(key).toMatch(/^ehk_[A-Za-z0-9_-]{32,}$/);
    expect(created.json.data).toMatchObject({ name: "zap", type: "zapier", endpoints: ["task", "notify"], rateLimit: 500, active: true });
    const read = await call(`/tokens/${id}`);
    expect(read.json.data.key).toBeUndefined();
    expect(read.text).not.toContain(key);
    const { env } = await import("cloudflare:workers");
    const row = await env.DB.prepare("SELECT * FROM tokens WHERE id = ?").bind(id).first<Record<string, unknown>>();
    expect(JSON.stringify(row)).not.toContain(key);
    expect(row!.key_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("records lastUsedAt after use", async () => {
    const { id, key } = await createToken(["task"]);
    await call("/task", { token: key, body: TASK });
    const { env } = await import("cloudflare:workers");
    let lastUsed: unknown = null;
    for (let i = 0; i < 20 && !lastUsed; i++) {
      lastUsed = (await env.DB.prepare("SELECT last_used_at FROM tokens WHERE id = ?").bind(id).first<{ last_used_at: number | null }>())?.last_used_at;
      if (!lastUsed) await new Promise((r) => setTimeout(r, 25));
    }
    expect(lastUsed).toBeTypeOf("number");
  });

  it("lists tokens with cursor pagination", async () => {
    for (let i = 0; i < 3; i++) await createToken(["task"]);
    const first = await call("/tokens?limit=2");
    expect(first.json.data.items).toHaveLength(2);
    expect(first.json.data.nextCursor).toBeTruthy();
    const second = await call(`/tokens?limit=2&cursor=${first.json.data.nextCursor}`);
    const ids = [...first.json.data.items, ...second.json.data.items].map((t: { id: string }) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("validates token fields and answers 404 for unknown ids", async () => {
    const bad = await call("/tokens", { body: { name: "x", endpoints: ["nope"] } });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe("SCHEMA_VALIDATION_ERROR");
    expect(bad.json.details.field).toBe("endpoints.0");
    expect((await call("/tokens/tok-missing")).status).toBe(404);
    expect((await call("/tokens/tok-missing", { method: "PATCH", body: { active: false } })).status).toBe(404);
    expect((await call("/tokens/tok-missing", { method: "DELETE" })).status).toBe(404);
  });

  it("requires the tokens scope", async () => {
    const { key } = await createToken(["task"]);
    expect((await call("/tokens", { token: key })).status).toBe(403);
  });
});
