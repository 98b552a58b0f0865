// Tenants through the real Worker and D1: admin-only CRUD, delete guards, portal tokens (ehp_), and the tenant rate-limit level.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createToken } from "./helpers";

let n = 0;
/** A tenant id unique within this run. */
const uniqueId = (label: string) => `${label}-${Date.now().toString(36)}-${++n}`;

async function createTenant(body: Record<string, unknown> = {}) {
  const res = await call("/tenants", { body: { name: "Acme", ...body } });
  if (res.status !== 201) throw new Error(`tenant creation failed: ${res.status} ${res.text}`);
  return res.json.data as { id: string; name: string; rateLimit: number | null };
}

const SUBSCRIPTION = { url: "https://example.com/hook", events: ["task.*"] };

describe("tenant administration", () => {
  it("creates a tenant with a given or generated id, reads, lists and updates it", async () => {
    const id = uniqueId("acme");
    const created = await call("/tenants", { body: { id, name: "Acme", rateLimit: 500, metadata: { plan: "pro" } } });
    expect(created.status).toBe(201);
    expect(created.json.data).toMatchObject({ id, name: "Acme", rateLimit: 500, metadata: { plan: "pro" } });
    expect(created.json.data).not.toHaveProperty("portalRevokedAt");

    const generated = await createTenant({ name: "No id" });
    expect(generated.id).toMatch(/^[a-z0-9][a-z0-9_-]{0,63}$/);

    expect((await call(`/tenants/${id}`)).json.data).toMatchObject({ id, name: "Acme" });
    const patched = await call(`/tenants/${id}`, { method: "PATCH", body: { name: "Acme Inc", rateLimit: null } });
    expect(patched.status).toBe(200);
    expect(patched.json.data).toMatchObject({ id, name: "Acme Inc", rateLimit: null, metadata: { plan: "pro" } });

    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await call(`/tenants?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      ids.push(...page.json.data.items.map((t: { id: string }) => t.id));
      cursor = page.json.data.nextCursor;
    } while (cursor);
    expect(ids).toContain("default");
    expect(ids).toContain(id);
    expect(ids).toContain(generated.id);
    expect(new Set(ids).size).toBe(ids.length);

    const audit = await env.DB.prepare("SELECT action FROM audit WHERE target_type = 'tenant' AND target_id = ? ORDER BY created_at").bind(id).all<{ action: string }>();
    expect(audit.results.map((r) => r.action)).toEqual(["tenant.create", "tenant.update"]);
  });

  it("answers 409 CONFLICT for a taken id, 400 for a malformed one, 404 for an unknown one", async () => {
    const { id } = await createTenant({ id: uniqueId("dup") });
    const dup = await call("/tenants", { body: { id, name: "again" } });
    expect(dup.status).toBe(409);
    expect(dup.json).toMatchObject({ code: "CONFLICT", details: { field: "id" } });
    for (const bad of ["Upper", "-lead", "x".repeat(65), "sp ace"]) {
      expect((await call("/tenants", { body: { id: bad, name: "bad" } })).json.code).toBe("SCHEMA_VALIDATION_ERROR");
    }
    expect((await call("/tenants/nope-nope")).status).toBe(404);
    expect((await call("/tenants/nope-nope", { method: "PATCH", body: { name: "x" } })).status).toBe(404);
    expect((await call("/tenants/nope-nope", { method: "DELETE" })).status).toBe(404);
    expect((await call("/tenants/nope-nope/portal", { body: {} })).status).toBe(404);
  });

  it("is for the ADMIN_TOKEN only: a token with scope admin (or *) gets 403", async () => {
    const { id } = await createTenant({ id: uniqueId("own") });
    const tenantAdmin = await createToken(["admin"], { tenantId: id });
    const star = await createToken(["*"]);
    for (const key of [tenantAdmin.key, star.key]) {
      expect((await call("/tenants", { token: key })).status).toBe(403);
      expect((await call("/tenants", { token: key, body: { name: "sneaky" } })).status).toBe(403);
      expect((await call(`/tenants/${id}`, { token: key, method: "DELETE" })).status).toBe(403);
      expect((await call(`/tenants/${id}/portal`, { token: key, body: {} })).status).toBe(403);
    }
    expect((await call("/tenants", { token: null })).status).toBe(401);
  });

  it("refuses to delete `default` and a tenant that holds resources, unless forced", async () => {
    const def = await call("/tenants/default", { method: "DELETE", headers: {} });
    expect(def.status).toBe(409);
    expect(def.json).toMatchObject({ code: "CONFLICT", details: { reason: "default_tenant" } });
    expect((await call("/tenants/default?force=true", { method: "DELETE" })).status).toBe(409);

    const { id } = await createTenant({ id: uniqueId("full") });
    const token = await createToken(["subscriptions"], { tenantId: id });
    expect((await call("/subscriptions", { token: token.key, body: SUBSCRIPTION })).status).toBe(201);
    const refused = await call(`/tenants/${id}`, { method: "DELETE" });
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ code: "CONFLICT", details: { reason: "holds_resources", holdings: { tokens: 1, subscriptions: 1 } } });

    const forced = await call(`/tenants/${id}?force=true`, { method: "DELETE" });
    expect(forced.status).toBe(200);
    expect(forced.json.data).toMatchObject({ id, deleted: true, removed: { tokens: 1, subscriptions: 1 } });
    expect((await call(`/tenants/${id}`)).status).toBe(404);
    expect((await call("/subscriptions", { token: token.key })).status).toBe(401);
    const left = await env.DB.prepare("SELECT (SELECT COUNT(*) FROM subscriptions WHERE tenant_id = ?1) + (SELECT COUNT(*) FROM tokens WHERE tenant_id = ?1) AS n").bind(id).first<{ n: number }>();
    expect(left?.n).toBe(0);
    const audit = await env.DB.prepare("SELECT tenant_id FROM audit WHERE action = 'tenant.delete' AND target_id = ?").bind(id).first<{ tenant_id: string }>();
    expect(audit?.tenant_id).toBe("default");

    const empty = await createTenant({ id: uniqueId("empty") });
    expect((await call(`/tenants/${empty.id}`, { method: "DELETE" })).status).toBe(200);
  });
});

describe("portal tokens", () => {
  it("issues an ehp_ key usable as Bearer within subscriptions and events of its tenant only", async () => {
    const { id } = await createTenant({ id: uniqueId("portal") });
    const other = await createTenant({ id: uniqueId("other") });
    const otherToken = await createToken(["subscriptions"], { tenantId: other.id });
    const foreign = await call("/subscriptions", { token: otherToken.key, body: SUBSCRIPTION });
    expect(foreign.status).toBe(201);

    const before = Date.now();
    const issued = await call(`/tenants/${id}/portal`, { body: { expiresIn: 600 } });
    expect(issued.status).toBe(201);
    const { token, url, expiresAt } = issued.json.data;
    expect(token).toMatch(/^ehp_[A-Za-z0-9_-]{32,}$/);
    expect(url).toBe(`/webhooks/v2/dashboard?token=${token}`);
    expect(Date.parse(expiresAt)).toBeGreaterThanOrEqual(before + 600_000 - 1000);
    expect(Date.parse(expiresAt)).toBeLessThanOrEqual(Date.now() + 600_000);

    const row = await env.DB.prepare("SELECT type, tenant_id, endpoints, read_only, expires_at FROM tokens WHERE id = ?").bind(issued.json.data.tokenId).first<Record<string, unknown>>();
    expect(row).toMatchObject({ type: "portal", tenant_id: id, endpoints: '["subscriptions","events"]', read_only: 0 });

    const created = await call("/subscriptions", { token, body: SUBSCRIPTION });
    expect(created.status).toBe(201);
    expect(created.json.data.tenantId).toBe(id);
    const listed = await call("/subscriptions", { token });
    expect(listed.status).toBe(200);
    expect(listed.json.data.items.map((s: { id: string }) => s.id)).toContain(created.json.data.id);
    expect((await call("/events", { token })).status).toBe(200);
    expect((await call("/subscriptions", { token: null, headers: { "X-API-Key": token } })).status).toBe(200);
    expect((await call(`/subscriptions?api_key=${token}`, { token: null })).status).toBe(200);
    expect((await call("/tokens", { token })).status).toBe(403);
    expect((await call("/task", { token, body: { action: "add_task", task: "write the quarterly report" } })).status).toBe(403);
    expect((await call("/subscriptions", { token, headers: { "X-Tenant-ID": other.id } })).status).toBe(403);
    // a tenant's admin may not hand out portal tokens through POST /tokens either
    const viaTokens = await call("/tokens", { body: { name: "p", type: "portal", endpoints: ["events"] }, token: (await createToken(["tokens", "events"])).key });
    expect(viaTokens.status).toBe(403);
  });

  it("sees only its own tenant's subscriptions; another tenant's id is 404", async () => {
    const { id } = await createTenant({ id: uniqueId("mine") });
    const other = await createTenant({ id: uniqueId("theirs") });
    const otherToken = await createToken(["subscriptions"], { tenantId: other.id });
    const foreign = (await call("/subscriptions", { token: otherToken.key, body: SUBSCRIPTION })).json.data.id as string;
    const token = (await call(`/tenants/${id}/portal`, { body: {} })).json.data.token as string;
    const created = (await call("/subscriptions", { token, body: SUBSCRIPTION })).json.data.id as string;
    const listed = await call("/subscriptions", { token });
    expect(listed.json.data.items.map((s: { id: string }) => s.id)).toEqual([created]);
    expect((await call(`/subscriptions/${foreign}`, { token })).status).toBe(404);
  });

  it("defaults to one hour, validates expiresIn, and a read-only one refuses changes (403)", async () => {
    const { id } = await createTenant({ id: uniqueId("ro") });
    const plain = await call(`/tenants/${id}/portal`, { method: "POST" });
    expect(plain.status).toBe(201);
    expect(Date.parse(plain.json.data.expiresAt) - Date.now()).toBeGreaterThan(3_590_000);
    expect(plain.json.data.readOnly).toBe(false);
    for (const expiresIn of [59, 604_801, 1.5]) {
      expect((await call(`/tenants/${id}/portal`, { body: { expiresIn } })).json.code).toBe("SCHEMA_VALIDATION_ERROR");
    }
    const ro = await call(`/tenants/${id}/portal`, { body: { readOnly: true, expiresIn: 60 } });
    const token = ro.json.data.token as string;
    expect((await call("/subscriptions", { token })).status).toBe(200);
    const refused = await call("/subscriptions", { token, body: SUBSCRIPTION });
    expect(refused.status).toBe(403);
    expect(refused.json.code).toBe("FORBIDDEN");
  });

  it("revoke ends every portal token of the tenant at once, not its other tokens or other tenants' portals", async () => {
    const { id } = await createTenant({ id: uniqueId("rev") });
    const other = await createTenant({ id: uniqueId("keep") });
    const a = (await call(`/tenants/${id}/portal`, { body: {} })).json.data.token as string;
    const b = (await call(`/tenants/${id}/portal`, { body: { readOnly: true } })).json.data.token as string;
    const kept = (await call(`/tenants/${other.id}/portal`, { body: {} })).json.data.token as string;
    const api = await createToken(["subscriptions"], { tenantId: id });
    for (const key of [a, b, kept, api.key]) expect((await call("/subscriptions", { token: key })).status).toBe(200);

    const revoked = await call(`/tenants/${id}/portal/revoke`, { method: "POST" });
    expect(revoked.status).toBe(200);
    expect(revoked.json.data).toMatchObject({ tenantId: id, revoked: 2 });
    for (const key of [a, b]) expect((await call("/subscriptions", { token: key })).status).toBe(401);
    for (const key of [kept, api.key]) expect((await call("/subscriptions", { token: key })).status).toBe(200);
    expect((await call("/tenants/nope-nope/portal/revoke", { method: "POST" })).status).toBe(404);
  });

  it("an Idempotency-Key replays the same portal token (its body is sealed like any one-time key)", async () => {
    const { id } = await createTenant({ id: uniqueId("idem") });
    const headers = { "Idempotency-Key": `portal-${id}` };
    const first = await call(`/tenants/${id}/portal`, { body: { expiresIn: 300 }, headers });
    const again = await call(`/tenants/${id}/portal`, { body: { expiresIn: 300 }, headers });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.json.data.token).toBe(first.json.data.token);
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM tokens WHERE tenant_id = ? AND type = 'portal'").bind(id).first<{ n: number }>();
    expect(count?.n).toBe(1);
  });

  it("an expired portal token is refused", async () => {
    const { id } = await createTenant({ id: uniqueId("exp") });
    const issued = (await call(`/tenants/${id}/portal`, { body: { expiresIn: 60 } })).json.data;
    await env.DB.prepare("UPDATE tokens SET expires_at = ? WHERE id = ?").bind(Date.now() - 1000, issued.tokenId).run();
    const res = await call("/subscriptions", { token: issued.token });
    expect(res.status).toBe(401);
    expect(res.json.error).toMatch(/expired/);
  });
});

describe("tenant rate-limit level", () => {
  const EXACT = { RATE_LIMIT_BURST_PERIOD_SECONDS: "3600" };

  it("counts every token of a tenant against its rateLimit; another tenant is unaffected", async () => {
    const limited = await createTenant({ id: uniqueId("lim"), rateLimit: 3 });
    const free = await createTenant({ id: uniqueId("free") });
    const one = await createToken(["subscriptions"], { tenantId: limited.id });
    const two = await createToken(["subscriptions"], { tenantId: limited.id });
    const outsider = await createToken(["subscriptions"], { tenantId: free.id });

    const remaining: string[] = [];
    for (const key of [one.key, two.key, one.key]) {
      const res = await call("/subscriptions", { token: key, vars: EXACT });
      expect(res.status).toBe(200);
      remaining.push(res.headers.get("X-RateLimit-Remaining")!);
    }
    expect(remaining).toEqual(["2", "1", "0"]);

    const refused = await call("/subscriptions", { token: two.key, vars: EXACT });
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ code: "RATE_LIMITED", retryable: true, details: { level: "tenant", limit: 3, window: "hour" } });
    expect(refused.headers.get("X-RateLimit-Limit")).toBe("3");
    expect(refused.headers.get("X-RateLimit-Remaining")).toBe("0");
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(refused.json.retryAfter).toBe(Number(refused.headers.get("Retry-After")));

    for (let i = 0; i < 5; i++) expect((await call("/subscriptions", { token: outsider.key, vars: EXACT })).status).toBe(200);
    // the admin secret is exempt, also when it acts inside the tenant
    expect((await call("/subscriptions", { headers: { "X-Tenant-ID": limited.id }, vars: EXACT })).status).toBe(200);
  });

  it("a refusal at another level takes the tenant's count back", async () => {
    const limited = await createTenant({ id: uniqueId("back"), rateLimit: 3 });
    const tight = await createToken(["subscriptions"], { tenantId: limited.id, rateLimit: 1 });
    const loose = await createToken(["subscriptions"], { tenantId: limited.id });
    expect((await call("/subscriptions", { token: tight.key, vars: EXACT })).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await call("/subscriptions", { token: tight.key, vars: EXACT })).json.details.level).toBe("token");
    // the three refusals consumed nothing at the tenant level: two requests remain
    expect((await call("/subscriptions", { token: loose.key, vars: EXACT })).headers.get("X-RateLimit-Remaining")).toBe("1");
  });
});

describe("the acting tenant (X-Tenant-ID and POST /tokens tenantId)", () => {
  it("binds the admin to a named tenant, 404 for an unknown one, 400 for a malformed one", async () => {
    const { id } = await createTenant({ id: uniqueId("act") });
    const inside = await call("/subscriptions", { body: SUBSCRIPTION, headers: { "X-Tenant-ID": id } });
    expect(inside.status).toBe(201);
    expect(inside.json.data.tenantId).toBe(id);
    const unknown = await call("/subscriptions", { headers: { "X-Tenant-ID": uniqueId("nobody") } });
    expect([unknown.status, unknown.json.code]).toEqual([404, "NOT_FOUND"]);
    const malformed = await call("/subscriptions", { headers: { "X-Tenant-ID": "Not A Tenant" } });
    expect([malformed.status, malformed.json.code, malformed.json.details.field]).toEqual([400, "SCHEMA_VALIDATION_ERROR", "X-Tenant-ID"]);
  });

  it("lets the unbound admin create in default and list every tenant, each row with its tenantId", async () => {
    const { id } = await createTenant({ id: uniqueId("span") });
    const theirs = (await call("/subscriptions", { body: SUBSCRIPTION, headers: { "X-Tenant-ID": id } })).json.data.id as string;
    const mine = await call("/subscriptions", { body: SUBSCRIPTION });
    expect(mine.json.data.tenantId).toBe("default");
    const listed = (await call("/subscriptions?limit=100")).json.data.items as { id: string; tenantId: string }[];
    expect(listed.find((s) => s.id === theirs)?.tenantId).toBe(id);
    expect(listed.find((s) => s.id === mine.json.data.id)?.tenantId).toBe("default");
  });

  it("creates tokens in the named tenant; a tenant's caller may not name another, an unknown tenant is 404", async () => {
    const [a, b] = [await createTenant({ id: uniqueId("tok-a") }), await createTenant({ id: uniqueId("tok-b") })];
    const created = await call("/tokens", { body: { name: "a", endpoints: ["subscriptions", "tokens"], tenantId: a.id } });
    expect(created.json.data.tenantId).toBe(a.id);
    const key = created.json.data.key as string;
    expect((await call("/tokens", { token: key, body: { name: "own", endpoints: ["subscriptions"] } })).json.data.tenantId).toBe(a.id);
    expect((await call("/tokens", { token: key, body: { name: "x", endpoints: ["subscriptions"], tenantId: b.id } })).status).toBe(403);
    expect((await call("/tokens", { body: { name: "x", endpoints: ["subscriptions"], tenantId: uniqueId("none") } })).status).toBe(404);
  });
});
