// Scope escalation through /tokens is closed: the grant rule through the real Worker and D1.
import { describe, expect, it } from "vitest";
import { call, createToken } from "./helpers";

describe("scope grants through /tokens", () => {
  it("refuses a tokens-scoped token creating a * token, an admin token or an admin-typed token", async () => {
    const { key } = await createToken(["tokens", "task"]);
    for (const body of [
      { name: "x", endpoints: ["*"] },
      { name: "x", endpoints: ["admin"] },
      { name: "x", endpoints: ["tokens"] },
      { name: "x", endpoints: ["notify"] },
      { name: "x", type: "admin", endpoints: ["task"] },
    ]) {
      const res = await call("/tokens", { token: key, body });
      expect(res.status, JSON.stringify(body)).toBe(403);
      expect(res.json).toMatchObject({ success: false, code: "FORBIDDEN" });
    }
    const ok = await call("/tokens", { token: key, body: { name: "x", endpoints: ["task"] } });
    expect(ok.status).toBe(201);
  });

  it("refuses a token PATCHing itself to admin, so it never reaches /metrics or /audit", async () => {
    const { id, key } = await createToken(["tokens"]);
    for (const body of [{ endpoints: ["admin"] }, { type: "admin" }, { endpoints: ["*"] }, { rateLimit: 10_000_000 }]) {
      const res = await call(`/tokens/${id}`, { token: key, method: "PATCH", body });
      expect(res.status, JSON.stringify(body)).toBe(403);
      expect(res.json.code).toBe("FORBIDDEN");
    }
    expect((await call("/metrics", { token: key })).status).toBe(403);
    expect((await call("/audit", { token: key })).status).toBe(403);
    const read = await call(`/tokens/${id}`);
    expect(read.json.data).toMatchObject({ endpoints: ["tokens"], type: "custom" });
  });

  it("refuses changing or revoking a stronger token, allows a weaker one", async () => {
    const { key } = await createToken(["tokens", "task"]);
    const strong = await createToken(["*"]);
    expect((await call(`/tokens/${strong.id}`, { token: key, method: "PATCH", body: { active: false } })).status).toBe(403);
    expect((await call(`/tokens/${strong.id}`, { token: key, method: "DELETE" })).status).toBe(403);
    const weak = await createToken(["task"]);
    expect((await call(`/tokens/${weak.id}`, { token: key, method: "PATCH", body: { endpoints: ["notify"] } })).status).toBe(403);
    expect((await call(`/tokens/${weak.id}`, { token: key, method: "PATCH", body: { name: "renamed" } })).status).toBe(200);
    expect((await call(`/tokens/${weak.id}`, { token: key, method: "DELETE" })).status).toBe(200);
  });

  it("answers an expiresAt in the past with 400 on create and update", async () => {
    const past = new Date(Date.now() - 60_000).toISOString();
    const created = await call("/tokens", { body: { name: "x", endpoints: ["task"], expiresAt: past } });
    expect(created.status).toBe(400);
    expect(created.json).toMatchObject({ code: "SCHEMA_VALIDATION_ERROR", details: { field: "expiresAt" } });
    const { id } = await createToken(["task"]);
    const patched = await call(`/tokens/${id}`, { method: "PATCH", body: { expiresAt: past } });
    expect(patched.status).toBe(400);
  });

  it("lets the admin grant every scope", async () => {
    const res = await call("/tokens", { body: { name: "root", type: "admin", endpoints: ["*", "tokens", "admin"] } });
    expect(res.status).toBe(201);
  });
});

describe("malformed Authorization and credentials in links", () => {
  it("answers 401 to a Basic or multi-word Bearer header even when X-API-Key holds a valid key", async () => {
    const { ADMIN_TOKEN } = await import("./helpers");
    for (const authorization of ["Basic dXNlcjpwYXNz", "Bearer a b", "Token x"]) {
      const res = await call("/tokens", { token: null, headers: { Authorization: authorization, "X-API-Key": ADMIN_TOKEN } });
      expect(res.status, authorization).toBe(401);
      expect(res.json).toMatchObject({ success: false, code: "UNAUTHORIZED" });
    }
  });

  it("never repeats ?api_key= in a generated link (GET /audit links.next)", async () => {
    const { ADMIN_TOKEN } = await import("./helpers");
    for (let i = 0; i < 3; i++) await createToken(["task"]);
    const res = await call(`/audit?limit=1&api_key=${ADMIN_TOKEN}`, { token: null });
    expect(res.status).toBe(200);
    expect(res.json.links.next).toContain("cursor=");
    expect(res.json.links.next).not.toContain("api_key");
    expect(res.text).not.toContain(ADMIN_TOKEN);
  });
});

describe("JWT configuration", () => {
  it("answers 503 (misconfigured) when JWT_JWKS_URL is set without JWT_ISSUER and JWT_AUDIENCE", async () => {
    const res = await call("/tokens", { vars: { JWT_JWKS_URL: "https://issuer.test/jwks", JWT_ISSUER: "", JWT_AUDIENCE: "" } });
    expect(res.status).toBe(503);
    expect(res.json).toMatchObject({ success: false, code: "SERVICE_UNAVAILABLE" });
  });
});
