// The gateway core through the real Worker: envelopes, request ids, every error path, CORS, allowlist.
import { env, exports } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { ADMIN_TOKEN, BASE, call } from "./helpers";

const TASK = { action: "add_task", task: "write the quarterly report" };

function expectErrorEnvelope(json: any, code: string) {
  expect(json).toMatchObject({ success: false, code, meta: { apiVersion: "2.0" } });
  expect(typeof json.error).toBe("string");
  expect(json.requestId).toMatch(/^req-|^[A-Za-z0-9._:-]+$/);
  expect(new Date(json.timestamp).toISOString()).toBe(json.timestamp);
  expect(typeof json.retryable).toBe("boolean");
}

describe("envelopes and request ids", () => {
  it("health answers a success envelope with a generated request id", async () => {
    const res = await call("/health", { token: null });
    expect(res.status).toBe(200);
    expect(res.json.success).toBe(true);
    expect(res.json.data.status).toBe("healthy");
    expect(res.json.data.checks).toMatchObject({ database: { status: "ok" }, queue: { status: "ok" }, durableObjects: { status: "ok" } });
    expect(res.json.meta.apiVersion).toBe("2.0");
    expect(typeof res.json.meta.processingTime).toBe("number");
    expect(res.headers.get("X-Request-ID")).toMatch(/^req-[A-Za-z0-9_-]{12,}$/);
    expect(res.json.meta.requestId).toBe(res.headers.get("X-Request-ID"));
  });

  it("echoes a well-formed client request id and replaces a malformed one", async () => {
    const echoed = await call("/health", { token: null, headers: { "X-Request-ID": "zap:run-42.a_b" } });
    expect(echoed.headers.get("X-Request-ID")).toBe("zap:run-42.a_b");
    expect(echoed.json.meta.requestId).toBe("zap:run-42.a_b");
    const replaced = await call("/health", { token: null, headers: { "X-Request-ID": "bad id with spaces" } });
    expect(replaced.headers.get("X-Request-ID")).toMatch(/^req-/);
    const tooLong = await call("/health", { token: null, headers: { "X-Request-ID": "a".repeat(129) } });
    expect(tooLong.headers.get("X-Request-ID")).toMatch(/^req-/);
  });

  it("puts the request id on error responses too", async () => {
    const res = await call("/nowhere", { headers: { "X-Request-ID": "trace-1" } });
    expect(res.headers.get("X-Request-ID")).toBe("trace-1");
    expect(res.json.requestId).toBe("trace-1");
  });
});

describe("error paths", () => {
  it("404 NOT_FOUND for an unknown route, inside and outside the base path", async () => {
    const inside = await call("/nowhere");
    expect(inside.status).toBe(404);
    expectErrorEnvelope(inside.json, "NOT_FOUND");
    const outside = await exports.default.fetch("https://gateway.test/favicon.ico");
    expect(outside.status).toBe(404);
    expect(outside.headers.get("Content-Type")).toContain("application/json");
  });

  it("405 METHOD_NOT_ALLOWED with Allow for a known path and wrong method", async () => {
    const res = await call("/task", { method: "DELETE" });
    expect(res.status).toBe(405);
    expectErrorEnvelope(res.json, "METHOD_NOT_ALLOWED");
    expect(res.headers.get("Allow")).toContain("POST");
  });

  it("400 INVALID_JSON for a malformed body", async () => {
    const res = await call("/task", { rawBody: '{"action": "add_task", ', headers: { "Content-Type": "application/json" } });
    expect(res.status).toBe(400);
    expectErrorEnvelope(res.json, "INVALID_JSON");
  });

  it("415 UNSUPPORTED_MEDIA_TYPE for a non-JSON content type (a form outside the inbound actions)", async () => {
    const res = await call("/tokens", { rawBody: "name=x&endpoints=task", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBe(415);
    expectErrorEnvelope(res.json, "UNSUPPORTED_MEDIA_TYPE");
    const text = await call("/task", { rawBody: "action=add_task", headers: { "Content-Type": "text/plain" } });
    expect(text.status).toBe(415);
  });

  it("reads a form-urlencoded body on the inbound actions as the JSON it stands for", async () => {
    const res = await call("/task", { rawBody: "action=add_task&task=Call+the+printer+company&priority=HIGH&tags=a%2Cb&deadline=2026-12-13&expected=", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    expect(res.json.data.deadline).toBe("2026-12-13T23:59:59.999Z");
    const task = await call(`/task/${res.json.data.id}/status`);
    expect(task.json.data).toMatchObject({ title: "Call the printer company", priority: "high", tags: ["a", "b"], expected: null });
    const bad = await call("/task", { rawBody: "action=add_task&task=short", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(bad.status).toBe(400);
    expect(bad.json.details.field).toBe("task");
  });

  it("400 SCHEMA_VALIDATION_ERROR with field, reason and every issue", async () => {
    const res = await call("/task", { body: { action: "add_task", task: "short", priority: "urgent" } });
    expect(res.status).toBe(400);
    expectErrorEnvelope(res.json, "SCHEMA_VALIDATION_ERROR");
    expect(res.json.details.field).toBe("task");
    expect(res.json.details.reason).toMatch(/10/);
    expect(res.json.details.issues.map((i: { field: string }) => i.field).sort()).toEqual(["priority", "task"]);
  });

  it("413 PAYLOAD_TOO_LARGE for a body over the limit", async () => {
    const app = createApp();
    const small = { ...env, BODY_LIMIT_BYTES: "64" };
    const ctx = createExecutionContext();
    const res = await app.fetch(
      new Request(`${BASE}/task`, {
        method: "POST",
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify({ ...TASK, task: "x".repeat(200) }),
      }),
      small,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(413);
    expectErrorEnvelope(await res.json(), "PAYLOAD_TOO_LARGE");
  });

  it("500 INTERNAL_ERROR envelope (retryable) when storage fails, logged with the request id", async () => {
    await env.DB.exec("DROP TABLE research");
    try {
      const res = await call("/research", { body: { action: "start_research", topic: "edge computing" }, headers: { "X-Request-ID": "boom-1" } });
      expect(res.status).toBe(500);
      expectErrorEnvelope(res.json, "INTERNAL_ERROR");
      expect(res.json.retryable).toBe(true);
      expect(res.json.requestId).toBe("boom-1");
      expect(res.text).not.toMatch(/SQLITE|no such table/i);
    } finally {
      await env.DB.batch(env.TEST_SCHEMA.map((sql) => env.DB.prepare(sql)));
    }
  });

  it("503 SERVICE_UNAVAILABLE envelope when the configuration is invalid", async () => {
    const app = createApp();
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request(`${BASE}/health`), { ...env, ADMIN_TOKEN: "" }, ctx);
    expect(res.status).toBe(503);
    expectErrorEnvelope(await res.json(), "SERVICE_UNAVAILABLE");
  });
});

describe("CORS and IP allowlist", () => {
  it("answers a preflight with the configured methods and headers", async () => {
    const res = await exports.default.fetch(`${BASE}/task`, {
      method: "OPTIONS",
      headers: { Origin: "https://app.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "Idempotency-Key" },
    });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    for (const m of ["POST", "GET", "PATCH", "PUT", "DELETE", "OPTIONS"]) expect(res.headers.get("Access-Control-Allow-Methods")).toContain(m);
    for (const h of ["Content-Type", "Authorization", "X-API-Key", "Idempotency-Key", "X-Request-ID", "Last-Event-ID"]) {
      expect(res.headers.get("Access-Control-Allow-Headers")).toContain(h);
    }
  });

  it("restricts origins when configured", async () => {
    const app = createApp();
    const res = await app.fetch(new Request(`${BASE}/health`, { headers: { Origin: "https://evil.example" } }), { ...env, CORS_ORIGINS: "https://app.example" }, createExecutionContext());
    expect(res.headers.get("Access-Control-Allow-Origin")).toBeNull();
    const allowed = await app.fetch(new Request(`${BASE}/health`, { headers: { Origin: "https://app.example" } }), { ...env, CORS_ORIGINS: "https://app.example" }, createExecutionContext());
    expect(allowed.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example");
  });

  it("admits IPv4 and IPv6 sources inside the allowlist and refuses others with 403 IP_NOT_ALLOWED", async () => {
    const app = createApp();
    const limited = { ...env, IP_ALLOWLIST: "203.0.113.0/24, 2001:db8::/32" };
    const from = (ip?: string) =>
      app.fetch(new Request(`${BASE}/health`, { headers: ip ? { "CF-Connecting-IP": ip } : {} }), limited, createExecutionContext());
    expect((await from("203.0.113.7")).status).toBe(200);
    expect((await from("2001:db8::1")).status).toBe(200);
    const refused = await from("198.51.100.1");
    expect(refused.status).toBe(403);
    expectErrorEnvelope(await refused.json(), "IP_NOT_ALLOWED");
    expect((await from("2001:db9::1")).status).toBe(403);
    expect((await from()).status).toBe(403);
  });
});

describe("OpenAPI", () => {
  it("documents every route from the same schemas", async () => {
    const res = await exports.default.fetch(`${BASE}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, any> } };
    expect(doc.openapi).toBe("3.1.0");
    for (const path of ["/webhooks/v2/task", "/webhooks/v2/task/{id}/status", "/webhooks/v2/task/{id}", "/webhooks/v2/notify", "/webhooks/v2/research", "/webhooks/v2/research/{id}/status", "/webhooks/v2/research/{id}/complete", "/webhooks/v2/tokens", "/webhooks/v2/tokens/{id}", "/webhooks/v2/health", "/webhooks/v2/status"]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(doc.components.schemas.CreateTask.properties.task.minLength).toBe(10);
    expect(doc.components.schemas.StartResearch.properties.depth).toMatchObject({ minimum: 1, maximum: 5 });
  });
});
