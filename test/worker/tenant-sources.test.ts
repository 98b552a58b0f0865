// Per-tenant inbound sources through the real Worker: create in the caller's tenant, signed posts publish into that tenant only, isolation, generic name prefix, allowlist.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, createToken } from "./helpers";
import { referenceHmac, sign } from "./source-signing";

const run = crypto.randomUUID().slice(0, 8);
const A = `ts-a-${run}`;
const B = `ts-b-${run}`;
let keyA = "";
let keyB = "";

async function insertTenant(id: string) {
  const now = Date.now();
  await env.DB.prepare("INSERT INTO tenants (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)").bind(id, `Tenant ${id}`, now, now).run();
}

/** POSTs a raw body to a source url (as returned by POST /sources) without a token. */
async function post(url: string, body: string, headers: Record<string, string> | Promise<Record<string, string>>, contentType = "application/json") {
  return call(url.replace("/webhooks/v2", ""), { token: null, rawBody: body, headers: { "Content-Type": contentType, ...(await headers) } });
}

const create = (token: string, body: unknown) => call("/sources", { token, body });

async function subscribe(token: string, events: string[]) {
  const res = await call("/subscriptions", { token, body: { url: "http://127.0.0.1:9/hook", events } });
  expect(res.status, res.text).toBe(201);
  return res.json.data.id as string;
}

async function eventRow(id: string) {
  return env.DB.prepare("SELECT id, type, tenant_id, metadata FROM events WHERE id = ?").bind(id).first<{ id: string; type: string; tenant_id: string; metadata: string }>();
}

async function deliveriesOf(eventId: string) {
  const rows = await env.DB.prepare("SELECT subscription_id, tenant_id FROM deliveries WHERE event_id = ?").bind(eventId).all<{ subscription_id: string; tenant_id: string }>();
  return rows.results;
}

beforeAll(async () => {
  await insertTenant(A);
  await insertTenant(B);
  keyA = (await createToken(["sources", "subscriptions"], { tenantId: A, rateLimit: 100000 })).key;
  keyB = (await createToken(["sources", "subscriptions"], { tenantId: B, rateLimit: 100000 })).key;
});

describe("POST /sources", () => {
  it("creates a source in the caller's tenant and never returns its secret", async () => {
    const res = await create(keyA, { provider: "github", name: "main repo", secret: "gh-tenant-a-secret" });
    expect(res.status, res.text).toBe(201);
    const data = res.json.data;
    expect(data.id).toMatch(/^src_[A-Za-z0-9_-]{16}$/);
    expect(data).toMatchObject({ provider: "github", name: "main repo", tenantId: A, url: `/webhooks/v2/sources/github/${data.id}`, enabled: true, secretCount: 1, events: null, eventPrefix: "github" });
    expect(res.text).not.toContain("gh-tenant-a-secret");
    const row = await env.DB.prepare("SELECT tenant_id, secrets FROM tenant_sources WHERE id = ?").bind(data.id).first<{ tenant_id: string; secrets: string }>();
    expect(row).toMatchObject({ tenant_id: A });
    expect(row!.secrets).toMatch(/^v1\./);
    expect(row!.secrets).not.toContain("gh-tenant-a-secret");
  });

  it("the admin creates in default without X-Tenant-ID and inside a tenant with it; lists page with a cursor", async () => {
    const plain = await call("/sources", { body: { provider: "linear", secret: "lin-admin" } });
    expect(plain.json.data.tenantId).toBe("default");
    const scoped = await call("/sources", { body: { provider: "linear", secret: "lin-admin-b" }, headers: { "X-Tenant-ID": B } });
    expect(scoped.json.data.tenantId).toBe(B);
    const ids: string[] = [];
    let cursor = "";
    for (let page = 0; page < 20; page++) {
      const res = await call(`/sources?limit=1${cursor ? `&cursor=${cursor}` : ""}`, { token: keyB });
      ids.push(...res.json.data.items.map((s: { id: string }) => s.id));
      if (!res.json.data.nextCursor) break;
      cursor = res.json.data.nextCursor;
    }
    expect(ids).toContain(scoped.json.data.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).not.toContain(plain.json.data.id);
  });

  it("needs the sources scope and validates the body", async () => {
    expect((await call("/sources", { token: null, body: { provider: "github", secret: "x" } })).status).toBe(401);
    const { key: taskKey } = await createToken(["task"], { tenantId: A });
    expect((await create(taskKey, { provider: "github", secret: "x" })).status).toBe(403);
    const cases: [unknown, string][] = [
      [{ provider: "gitlab", secret: "x" }, "provider"],
      [{ provider: "github" }, "secret"],
      [{ provider: "github", secret: "a", secrets: ["b"] }, "secret"],
      [{ provider: "github", secret: "a", settings: { header: "X-Sig" } }, "settings.header"],
      [{ provider: "generic", name: "Has Spaces", secret: "a" }, "name"],
      [{ provider: "generic", name: "task", secret: "a" }, "name"],
      [{ provider: "github", secret: "a", events: ["bad pattern!"] }, "events.0"],
    ];
    for (const [body, field] of cases) {
      const res = await create(keyA, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.code).toBe("SCHEMA_VALIDATION_ERROR");
      expect(res.json.details.field, JSON.stringify(body)).toBe(field);
    }
  });
});

describe("receiving", () => {
  it("a signed post publishes into the source's tenant; the other tenant's subscription gets nothing", async () => {
    const subA = await subscribe(keyA, ["github.*"]);
    const subB = await subscribe(keyB, ["github.*"]);
    const source = (await create(keyA, { provider: "github", secret: "gh-secret-of-a" })).json.data;
    const body = JSON.stringify({ ref: "refs/heads/main" });
    const res = await post(source.url, body, sign.github("gh-secret-of-a", body, "push", "delivery-a-1"));
    expect(res.status, res.text).toBe(200);
    expect(res.json.data).toMatchObject({ received: true, duplicate: false, provider: "github", sourceId: source.id, type: "github.push" });
    const event = await eventRow(res.json.data.eventId);
    expect(event).toMatchObject({ type: "github.push", tenant_id: A });
    expect(JSON.parse(event!.metadata)).toMatchObject({ source: "github", sourceId: source.id });
    const deliveries = await deliveriesOf(event!.id);
    expect(deliveries.map((d) => d.subscription_id)).toContain(subA);
    expect(deliveries.map((d) => d.subscription_id)).not.toContain(subB);
    expect(deliveries.every((d) => d.tenant_id === A)).toBe(true);

    // The same delivery again is a duplicate of that event, per source.
    const again = await post(source.url, body, sign.github("gh-secret-of-a", body, "push", "delivery-a-1"));
    expect(again.json.data).toMatchObject({ duplicate: true, eventId: event!.id });
    // The same delivery id at another source (tenant B) is its own delivery.
    const sourceB = (await create(keyB, { provider: "github", secret: "gh-secret-of-b" })).json.data;
    const other = await post(sourceB.url, body, sign.github("gh-secret-of-b", body, "push", "delivery-a-1"));
    expect(other.json.data.duplicate).toBe(false);
    expect(await eventRow(other.json.data.eventId)).toMatchObject({ tenant_id: B });
    const dedup = await env.DB.prepare("SELECT provider, tenant_id FROM source_deliveries WHERE event_id = ?").bind(event!.id).all<{ provider: string; tenant_id: string }>();
    expect(dedup.results.every((r) => r.provider === `github:${source.id}` && r.tenant_id === A)).toBe(true);
  });

  it("verifies with the source's own secrets only: a wrong one is 401 SIGNATURE_INVALID and nothing is stored", async () => {
    const source = (await create(keyA, { provider: "stripe", secrets: ["whsec_new_a", "whsec_old_a"] })).json.data;
    const body = JSON.stringify({ id: `evt_${run}`, type: "invoice.paid" });
    const wrong = await post(source.url, body, sign.stripe("whsec_someone_else", body));
    expect(wrong.status).toBe(401);
    expect(wrong.json.code).toBe("SIGNATURE_INVALID");
    // The default tenant's Worker secret does not open a tenant's source either.
    const gh = (await create(keyA, { provider: "github", secret: "gh-only-this" })).json.data;
    expect((await post(gh.url, "{}", sign.github("gh-secret-new", "{}"))).status).toBe(401);
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM source_deliveries WHERE provider = ?").bind(`stripe:${source.id}`).first<{ n: number }>();
    expect(count!.n).toBe(0);
    for (const secret of ["whsec_old_a", "whsec_new_a"]) {
      const good = await post(source.url, JSON.stringify({ id: `evt_${secret}_${run}`, type: "invoice.paid" }), sign.stripe(secret, JSON.stringify({ id: `evt_${secret}_${run}`, type: "invoice.paid" })));
      expect(good.status, good.text).toBe(200);
      expect(good.json.data.type).toBe("stripe.invoice.paid");
    }
  });

  it("applies the source's tolerance setting", async () => {
    const source = (await create(keyA, { provider: "stripe", secret: "whsec_tol_a", settings: { toleranceSeconds: 10 } })).json.data;
    const body = JSON.stringify({ id: `evt_tol_${run}`, type: "charge.succeeded" });
    const res = await post(source.url, body, sign.stripe("whsec_tol_a", body, Math.floor(Date.now() / 1000) - 60));
    expect(res.status).toBe(401);
    expect(res.json.error).toMatch(/10 s tolerance/);
  });

  it("an unknown id, a foreign provider in the path, or a deleted source is 404; a disabled one 503", async () => {
    const source = (await create(keyA, { provider: "github", secret: "gh-404" })).json.data;
    expect((await post(`/webhooks/v2/sources/github/src_AAAAAAAAAAAAAAAA`, "{}", sign.github("gh-404", "{}"))).status).toBe(404);
    expect((await post(`/webhooks/v2/sources/stripe/${source.id}`, "{}", {})).status).toBe(404);
    expect((await call(`/sources/github/${source.id}`, { method: "PATCH", token: keyA, body: { enabled: false } })).json.data.enabled).toBe(false);
    const disabled = await post(source.url, "{}", sign.github("gh-404", "{}"));
    expect(disabled.status).toBe(503);
    expect(disabled.json.details).toMatchObject({ reason: "disabled", sourceId: source.id });
    expect((await call(`/sources/github/${source.id}`, { method: "DELETE", token: keyA })).status).toBe(200);
    expect((await post(source.url, "{}", sign.github("gh-404", "{}"))).status).toBe(404);
  });
});

describe("generic sources", () => {
  it("a named generic source serves an HMAC-header sender (Claude Code hook style) as <name>.<type>", async () => {
    const secret = "claude-hook-secret-0123456789";
    const res = await create(keyA, {
      provider: "generic",
      name: "claude",
      secret,
      settings: { header: "X-Claude-Signature", prefix: "sha256=", eventTypeHeader: "X-Claude-Event", deliveryIdHeader: "X-Claude-Delivery" },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.json.data).toMatchObject({ eventPrefix: "claude", settings: { header: "X-Claude-Signature", prefix: "sha256=" } });
    const body = JSON.stringify({ session_id: "s-1", hook_event_name: "Stop", cwd: "/repo" });
    const signature = `sha256=${(await referenceHmac("sha256", secret, body)).hex}`;
    const delivered = await post(res.json.data.url, body, { "X-Claude-Signature": signature, "X-Claude-Event": "session.stop", "X-Claude-Delivery": `d-${run}` });
    expect(delivered.status, delivered.text).toBe(200);
    expect(delivered.json.data.type).toBe("claude.session.stop");
    expect(await eventRow(delivered.json.data.eventId)).toMatchObject({ type: "claude.session.stop", tenant_id: A });
    const bad = await post(res.json.data.url, body, { "X-Claude-Signature": "sha256=00", "X-Claude-Event": "session.stop" });
    expect(bad.status).toBe(401);
  });

  it("a Codegen-style sender (base64 HMAC-SHA512, no event header) is <name>.webhook; unnamed generic stays generic.<type>", async () => {
    const secret = "codegen-secret";
    const named = (await create(keyB, { provider: "generic", name: "codegen", secret, settings: { header: "X-Codegen-Signature", algorithm: "sha512", encoding: "base64" } })).json.data;
    const body = JSON.stringify({ event: "pr.opened", pr: 7 });
    const res = await post(named.url, body, { "X-Codegen-Signature": (await referenceHmac("sha512", secret, body)).base64 });
    expect(res.status, res.text).toBe(200);
    expect(res.json.data.type).toBe("codegen.webhook");
    expect(await eventRow(res.json.data.eventId)).toMatchObject({ tenant_id: B });
    const plain = (await create(keyB, { provider: "generic", secret: "plain", settings: { eventTypeHeader: "X-Event" } })).json.data;
    expect(plain.eventPrefix).toBe("generic");
    const out = await post(plain.url, "{}", { "X-Signature": (await referenceHmac("sha256", "plain", "{}")).hex, "X-Event": "thing.done" });
    expect(out.json.data.type).toBe("generic.thing.done");
  });
});

describe("events allowlist", () => {
  it("acknowledges a type outside the allowlist with 200 ignored: true and publishes nothing", async () => {
    const source = (await create(keyA, { provider: "github", secret: "gh-allow", events: ["github.push", "github.issues"] })).json.data;
    expect(source.events).toEqual(["github.push", "github.issues"]);
    const body = JSON.stringify({ action: "created" });
    const ignored = await post(source.url, body, sign.github("gh-allow", body, "star", `star-${run}`));
    expect(ignored.status).toBe(200);
    expect(ignored.json.data).toMatchObject({ received: true, duplicate: false, ignored: true, eventId: null, type: "github.star", sourceId: source.id });
    const stored = await env.DB.prepare("SELECT COUNT(*) AS n FROM source_deliveries WHERE provider = ?").bind(`github:${source.id}`).first<{ n: number }>();
    expect(stored!.n).toBe(0);
    const accepted = await post(source.url, body, sign.github("gh-allow", body, "issues", `issues-${run}`));
    expect(accepted.json.data.ignored).toBeUndefined();
    expect(await eventRow(accepted.json.data.eventId)).toMatchObject({ type: "github.issues", tenant_id: A });
    // PATCH events: null accepts every type again.
    await call(`/sources/github/${source.id}`, { method: "PATCH", token: keyA, body: { events: null } });
    const now = await post(source.url, body, sign.github("gh-allow", body, "star", `star2-${run}`));
    expect(now.json.data.eventId).toMatch(/^evt-/);
  });

  it("takes prefix.* patterns", async () => {
    const source = (await create(keyA, { provider: "github", secret: "gh-prefix", events: ["github.*"] })).json.data;
    const res = await post(source.url, "{}", sign.github("gh-prefix", "{}", "release"));
    expect(res.json.data.ignored).toBeUndefined();
  });
});

describe("isolation of the admin routes", () => {
  it("GET /sources lists only the caller's tenant; another tenant's id is 404 on GET, PATCH and DELETE", async () => {
    const mine = (await create(keyB, { provider: "slack", name: "B slack", secret: "slack-b" })).json.data;
    const listA = await call("/sources?limit=100", { token: keyA });
    expect(listA.status).toBe(200);
    expect(listA.json.data.items.every((s: { tenantId: string }) => s.tenantId === A)).toBe(true);
    expect(listA.json.data.items.map((s: { id: string }) => s.id)).not.toContain(mine.id);
    expect(listA.json.data.providers).toEqual([]);
    expect(JSON.stringify(listA.json)).not.toMatch(/gh-tenant-a-secret|gh-secret-of-a/);
    const listB = await call("/sources?limit=100", { token: keyB });
    expect(listB.json.data.items.map((s: { id: string }) => s.id)).toContain(mine.id);

    const path = `/sources/slack/${mine.id}`;
    expect((await call(path, { token: keyB })).json.data).toMatchObject({ id: mine.id, name: "B slack" });
    const unknown = await call("/sources/slack/src_AAAAAAAAAAAAAAAA", { token: keyA });
    for (const res of [await call(path, { token: keyA }), await call(path, { method: "PATCH", token: keyA, body: { name: "stolen" } }), await call(path, { method: "DELETE", token: keyA })]) {
      expect(res.status).toBe(404);
      expect(res.json.code).toBe("NOT_FOUND");
      expect(res.json.code).toBe(unknown.json.code);
    }
    expect((await call(path, { token: keyB })).json.data.name).toBe("B slack");
    // The admin spans tenants without X-Tenant-ID, and acts inside one with it.
    const admin = await call(path);
    expect(admin.json.data.tenantId).toBe(B);
    expect((await call(path, { headers: { "X-Tenant-ID": A } })).status).toBe(404);
  });

  it("the default tenant's per-provider sources are not another tenant's to read or change", async () => {
    const read = await call("/sources/github", { token: keyA });
    expect(read.status, read.text).toBe(404);
    expect((await call("/sources/github", { method: "PUT", token: keyA, body: { secret: "hijack" } })).status).toBe(404);
    expect((await call("/sources/github", { method: "DELETE", token: keyA })).status).toBe(404);
    const admin = await call("/sources");
    expect(admin.json.data.providers.map((p: { provider: string }) => p.provider)).toContain("github");
  });

  it("PATCH rotates secrets and audits without them", async () => {
    const source = (await create(keyA, { provider: "shopify", secret: "shp_old" })).json.data;
    const patched = await call(`/sources/shopify/${source.id}`, { method: "PATCH", token: keyA, body: { secrets: ["shp_new", "shp_old"], name: "shop" } });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json.data).toMatchObject({ secretCount: 2, name: "shop" });
    const body = JSON.stringify({ id: 1 });
    expect((await post(source.url, body, sign.shopify("shp_new", body))).status).toBe(200);
    const trail = await env.DB.prepare("SELECT action, tenant_id, details FROM audit WHERE target_id = ? ORDER BY created_at").bind(source.id).all<{ action: string; tenant_id: string; details: string }>();
    expect(trail.results.map((r) => r.action)).toEqual(["source.create", "source.update"]);
    expect(trail.results.every((r) => r.tenant_id === A)).toBe(true);
    expect(JSON.stringify(trail.results)).not.toMatch(/shp_new|shp_old/);
  });
});
