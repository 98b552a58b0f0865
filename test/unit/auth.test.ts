// Pure parts of authentication: credential extraction, scopes, token refusal, the TTL cache, JWT scope claims.
import { describe, expect, it } from "vitest";
import { extractCredential, looksLikeJwt } from "../../src/auth/credentials";
import { jwtIdentity, scopesFromClaim } from "../../src/auth/jwt";
import { tokenRefusal } from "../../src/auth/middleware";
import { hasScope, type Principal } from "../../src/auth/principal";
import { TtlCache } from "../../src/auth/token-cache";
import type { TokenRecord } from "../../src/auth/token-repository";

const url = (q = "") => new URL(`https://x.test/webhooks/v2/task${q}`);

describe("credential extraction", () => {
  it("prefers Authorization, then X-API-Key, then ?api_key=", () => {
    expect(extractCredential(new Headers({ Authorization: "Bearer abc", "X-API-Key": "def" }), url("?api_key=ghi"))).toEqual({ value: "abc", source: "bearer" });
    expect(extractCredential(new Headers({ "X-API-Key": "def" }), url("?api_key=ghi"))).toEqual({ value: "def", source: "api-key" });
    expect(extractCredential(new Headers(), url("?api_key=ghi"))).toEqual({ value: "ghi", source: "query" });
    expect(extractCredential(new Headers({ Authorization: "bearer   abc  " }), url())).toEqual({ value: "abc", source: "bearer" });
  });

  it("marks another scheme or a multi-word bearer as malformed instead of falling through to X-API-Key", () => {
    for (const value of ["Basic dXNlcjpwYXNz", "Bearer a b", "Bearer", "Token abc", "abc"]) {
      expect(extractCredential(new Headers({ Authorization: value, "X-API-Key": "def" }), url("?api_key=ghi")), value).toEqual({ malformed: "Authorization" });
    }
    expect(extractCredential(new Headers({ "X-API-Key": "  " }), url("?api_key="))).toBeNull();
  });

  it("tells JWTs from keys", () => {
    expect(looksLikeJwt("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln")).toBe(true);
    expect(looksLikeJwt("ehk_abcdef")).toBe(false);
    expect(looksLikeJwt("ehp_abc-DEF_123")).toBe(false);
  });
});

describe("scopes", () => {
  const p = (scopes: string[], kind: Principal["kind"] = "token"): Principal => ({ kind, tokenId: "t", name: "n", type: "custom", scopes, rateLimit: null, tenantId: kind === "admin" ? null : "default" });
  it("grants held scopes, '*', admin scope and the admin secret", () => {
    expect(hasScope(p(["task"]), "task")).toBe(true);
    expect(hasScope(p(["task"]), "notify")).toBe(false);
    expect(hasScope(p(["*"]), "notify")).toBe(true);
    expect(hasScope(p(["admin"]), "tokens")).toBe(true);
    expect(hasScope(p([], "admin"), "tokens")).toBe(true);
  });

  it("reads scope claims as space-separated strings or arrays", () => {
    expect(scopesFromClaim("task notify")).toEqual(["task", "notify"]);
    expect(scopesFromClaim(["task", 3, "events"])).toEqual(["task", "events"]);
    expect(scopesFromClaim(undefined)).toEqual([]);
  });
});

describe("token refusal", () => {
  const record = (over: Partial<TokenRecord> = {}): TokenRecord => ({
    id: "tok-1", name: "n", type: "custom", rateLimit: null, endpoints: ["task"], active: true, keyPrefix: "ehk_abc", createdAt: "", updatedAt: "", expiresAt: null, lastUsedAt: null, tenantId: "default", readOnly: false, ...over,
  });
  it("refuses unknown, inactive and expired tokens", () => {
    const now = Date.parse("2026-06-01T00:00:00Z");
    expect(tokenRefusal(null, now)).toMatch(/Invalid/);
    expect(tokenRefusal(record({ active: false }), now)).toMatch(/deactivated/);
    expect(tokenRefusal(record({ expiresAt: "2026-06-01T00:00:00Z" }), now)).toMatch(/expired/);
    expect(tokenRefusal(record({ expiresAt: "2026-06-01T00:00:01Z" }), now)).toBeNull();
    expect(tokenRefusal(record(), now)).toBeNull();
  });
});

describe("TtlCache", () => {
  it("expires entries after the TTL and bounds its size", () => {
    let now = 0;
    const cache = new TtlCache<number>({ ttlMs: 1000, maxEntries: 2, now: () => now });
    cache.set("a", 1);
    now = 999;
    expect(cache.get("a")).toBe(1);
    now = 1000;
    expect(cache.get("a")).toBeUndefined();
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("c", 3);
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("c")).toBe(3);
  });

  it("caches negative lookups (null) and caches nothing with a zero TTL", () => {
    const cache = new TtlCache<number | null>({ ttlMs: 1000 });
    cache.set("missing", null);
    expect(cache.get("missing")).toBeNull();
    const off = new TtlCache<number>({ ttlMs: 0 });
    off.set("a", 1);
    expect(off.get("a")).toBeUndefined();
  });
});

describe("JWT identity", () => {
  it("is issuer plus subject, and needs sub and exp", () => {
    expect(jwtIdentity({ iss: "https://a.test/", sub: "client-1", exp: 1 })).toBe("jwt:https://a.test/#client-1");
    expect(jwtIdentity({ iss: "https://b.test/", sub: "client-1", exp: 1 })).not.toBe(jwtIdentity({ iss: "https://a.test/", sub: "client-1", exp: 1 }));
    expect(jwtIdentity({ iss: "https://a.test/", exp: 1 })).toBeNull();
    expect(jwtIdentity({ iss: "https://a.test/", sub: "", exp: 1 })).toBeNull();
    expect(jwtIdentity({ iss: "https://a.test/", sub: "client-1" })).toBeNull();
  });
});
