// The sources admin API through the real Worker: auth, validation, secrets sealed at rest, precedence over Worker secrets, rotation.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createToken } from "./helpers";
import { deliver, sign } from "./source-signing";

const put = (provider: string, body: unknown, token?: string) => call(`/sources/${provider}`, { method: "PUT", body, ...(token ? { token } : {}) });

describe("access", () => {
  it("needs a token with the sources (or admin) scope for every admin route", async () => {
    for (const [method, path] of [["GET", "/sources"], ["GET", "/sources/stripe"], ["PUT", "/sources/stripe"], ["DELETE", "/sources/stripe"]] as const) {
      const anonymous = await call(path, { method, token: null, ...(method === "PUT" ? { body: { secret: "x" } } : {}) });
      expect(anonymous.status, `${method} ${path}`).toBe(401);
    }
    const { key: taskKey } = await createToken(["task"]);
    expect((await put("stripe", { secret: "whsec_x" }, taskKey)).status).toBe(403);
    const { key: adminKey } = await createToken(["admin"]);
    expect((await put("stripe", { secret: "whsec_x" }, adminKey)).status).toBe(200);
    const { key: sourcesKey } = await createToken(["sources"]);
    expect((await call("/sources/stripe", { token: sourcesKey })).status).toBe(200);
  });
});

describe("PUT /sources/:provider", () => {
  it("stores the secret sealed, never returns it, and reports the configuration", async () => {
    const res = await put("linear", { secret: "lin_wh_plaintext_secret_value", toleranceSeconds: 60 });
    expect(res.status).toBe(200);
    expect(res.text).not.toContain("lin_wh_plaintext_secret_value");
    expect(res.json.data).toMatchObject({ provider: "linear", configured: true, origin: "api", enabled: true, secretCount: 1, toleranceSeconds: 60, url: "/webhooks/v2/sources/linear", secretVar: "LINEAR_WEBHOOK_SECRET" });
    const row = await env.DB.prepare("SELECT secrets FROM sources WHERE provider = 'linear'").first<{ secrets: string }>();
    expect(row!.secrets).toMatch(/^v1\./);
    expect(row!.secrets).not.toContain("plaintext");
    const read = await call("/sources/linear");
    expect(read.json.data).toEqual(res.json.data);
    const list = await call("/sources");
    expect(list.json.data.providers.map((s: { provider: string }) => s.provider)).toEqual(["github", "stripe", "slack", "linear", "shopify", "standard", "generic"]);
  });

  it("validates the body", async () => {
    const cases: [string, unknown, string][] = [
      ["stripe", {}, "secrets"],
      ["stripe", { secret: "a", secrets: ["b"] }, "secrets"],
      ["stripe", { secrets: [] }, "secrets"],
      ["stripe", { secrets: ["a", "b", "c", "d", "e", "f"] }, "secrets"],
      ["stripe", { secret: "" }, "secret"],
      ["stripe", { secret: "a", toleranceSeconds: 0 }, "toleranceSeconds"],
      ["github", { secret: "a", header: "X-Sig" }, "header"],
      ["generic", { secret: "a", header: "Bad Header:" }, "header"],
      ["generic", { secret: "a", algorithm: "md5" }, "algorithm"],
      ["generic", { secret: "a", encoding: "base32" }, "encoding"],
    ];
    for (const [provider, body, field] of cases) {
      const res = await put(provider, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.code).toBe("SCHEMA_VALIDATION_ERROR");
      expect(res.json.details.field).toBe(field);
    }
    expect((await put("gitlab", { secret: "a" })).status).toBe(404);
    expect((await call("/sources/stripe", { method: "PUT", rawBody: "secret=a", headers: { "Content-Type": "application/x-www-form-urlencoded" } })).status).toBe(415);
  });

  it("takes precedence over the Worker secret until deleted", async () => {
    const body = JSON.stringify({ ref: "main" });
    expect((await deliver("github", body, sign.github("gh-secret-new", body))).status).toBe(200);
    const res = await put("github", { secret: "gh-secret-from-api" });
    expect(res.json.data).toMatchObject({ origin: "api", secretCount: 1, envSecretCount: 2 });
    expect((await deliver("github", body, sign.github("gh-secret-new", body))).status).toBe(401);
    expect((await deliver("github", body, sign.github("gh-secret-from-api", body))).status).toBe(200);
    const deleted = await call("/sources/github", { method: "DELETE" });
    expect(deleted.status).toBe(200);
    expect(deleted.json.data).toMatchObject({ deleted: true, origin: "env", secretCount: 2 });
    expect((await deliver("github", body, sign.github("gh-secret-new", body))).status).toBe(200);
    expect((await call("/sources/github", { method: "DELETE" })).status).toBe(404);
    const trail = await call("/audit?targetType=source&target=github");
    expect(trail.json.data.items.map((a: { action: string }) => a.action)).toEqual(["source.delete", "source.put"]);
    expect(trail.json.data.items[1].details).toEqual({ enabled: true, secretCount: 1, toleranceSeconds: null, generic: null });
    expect(JSON.stringify(trail.json)).not.toContain("gh-secret-from-api");
  });

  it("rotates: both secrets verify during the overlap, only the new one after", async () => {
    const body = JSON.stringify({ id: 1 });
    await put("shopify", { secrets: ["shpss_old"] });
    expect((await deliver("shopify", body, sign.shopify("shpss_old", body))).status).toBe(200);
    const overlap = await put("shopify", { secrets: ["shpss_new", "shpss_old"] });
    expect(overlap.json.data.secretCount).toBe(2);
    expect((await deliver("shopify", body, sign.shopify("shpss_old", body))).status).toBe(200);
    expect((await deliver("shopify", body, sign.shopify("shpss_new", body))).status).toBe(200);
    await put("shopify", { secrets: ["shpss_new"] });
    expect((await deliver("shopify", body, sign.shopify("shpss_old", body))).status).toBe(401);
    expect((await deliver("shopify", body, sign.shopify("shpss_new", body))).status).toBe(200);
  });

  it("applies the stored tolerance", async () => {
    const body = JSON.stringify({ id: "evt_tol", type: "charge.succeeded" });
    await put("stripe", { secret: "whsec_tol", toleranceSeconds: 10 });
    const sixtySecondsAgo = Math.floor(Date.now() / 1000) - 60;
    const res = await deliver("stripe", body, sign.stripe("whsec_tol", body, sixtySecondsAgo));
    expect(res.status).toBe(401);
    expect(res.json.error).toMatch(/10 s tolerance/);
    await put("stripe", { secret: "whsec_tol" });
    expect((await deliver("stripe", body, sign.stripe("whsec_tol", body, sixtySecondsAgo))).status).toBe(200);
  });

  it("a disabled source answers 503 saying so", async () => {
    await put("standard", { secret: "whsec_c2VjcmV0LWtleS1mb3ItZGlzYWJsZWQ=", enabled: false });
    const body = JSON.stringify({ type: "user.created" });
    const res = await deliver("standard", body, sign.standard("whsec_c2VjcmV0LWtleS1mb3ItZGlzYWJsZWQ=", body));
    expect(res.status).toBe(503);
    expect(res.json).toMatchObject({ code: "SERVICE_UNAVAILABLE", details: { reason: "disabled" } });
    expect(res.json.error).toMatch(/disabled/);
    expect((await call("/sources/standard")).json.data).toMatchObject({ enabled: false, configured: true });
  });

  it("a stored secret that cannot be decrypted gives a clear 503, not a 500", async () => {
    await put("generic", { secret: "generic-secret" });
    await env.DB.prepare("UPDATE sources SET secrets = 'v1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAA' WHERE provider = 'generic'").run();
    // Another PUT/DELETE would refresh the isolate cache; the cache was cleared by the PUT above.
    const res = await deliver("generic", "{}", { "X-Signature": "00" });
    expect(res.status).toBe(503);
    expect(res.json.error).toMatch(/cannot be decrypted/);
  });

  it("documents the routes in the OpenAPI document", async () => {
    const doc = await call("/openapi.json", { token: null });
    const path = doc.json.paths["/webhooks/v2/sources/{provider}"];
    expect(Object.keys(path).sort()).toEqual(["delete", "get", "post", "put"]);
    expect(path.post.security ?? []).toEqual([]);
    expect(doc.json.paths["/webhooks/v2/sources"].get).toBeDefined();
  });
});
