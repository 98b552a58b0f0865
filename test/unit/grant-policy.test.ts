// The scope-grant rule (pure): who may create, change or revoke which tokens.
import { describe, expect, it } from "vitest";
import { checkGrant, checkRemoval, checkTokenChange, mayGrant } from "../../src/auth/grant-policy";
import type { Principal } from "../../src/auth/principal";

const NOW = Date.parse("2026-01-01T00:00:00Z");
const admin: Principal = { kind: "admin", tokenId: "admin", name: "admin", type: "admin", scopes: ["*"], rateLimit: null, tenantId: null };
const tokens = (scopes: string[], id = "tok_self"): Principal => ({ kind: "token", tokenId: id, name: "t", type: "custom", scopes, rateLimit: null, tenantId: "default" });

describe("grant rule", () => {
  it("lets the admin grant anything, including admin, * and tokens", () => {
    for (const scope of ["admin", "*", "tokens", "task"]) expect(mayGrant(admin, scope)).toBe(true);
    expect(checkGrant(admin, { endpoints: ["*"], type: "admin" }, NOW)).toBeNull();
  });

  it("lets a token grant only scopes it holds, never admin, * or tokens", () => {
    const caller = tokens(["tokens", "task", "events"]);
    expect(checkGrant(caller, { endpoints: ["task", "events"] }, NOW)).toBeNull();
    expect(checkGrant(caller, { endpoints: ["notify"] }, NOW)).toMatchObject({ code: "FORBIDDEN", details: { refused: ["notify"] } });
    for (const scope of ["admin", "*", "tokens"]) expect(checkGrant(caller, { endpoints: [scope] }, NOW)?.code).toBe("FORBIDDEN");
  });

  it("lets a * or admin-scoped record grant ordinary scopes but not the admin-only ones", () => {
    expect(checkGrant(tokens(["*"]), { endpoints: ["notify", "research"] }, NOW)).toBeNull();
    expect(checkGrant(tokens(["admin"]), { endpoints: ["tokens"] }, NOW)?.code).toBe("FORBIDDEN");
  });

  it("refuses type admin from anyone but the admin", () => {
    expect(checkGrant(tokens(["tokens", "task"]), { endpoints: ["task"], type: "admin" }, NOW)).toMatchObject({ code: "FORBIDDEN", details: { field: "type" } });
  });

  it("answers a past expiresAt with a schema error naming the field", () => {
    expect(checkGrant(admin, { endpoints: ["task"], expiresAt: "2025-12-31T23:59:59Z" }, NOW)).toMatchObject({ code: "SCHEMA_VALIDATION_ERROR", details: { field: "expiresAt" } });
    expect(checkGrant(admin, { endpoints: ["task"], expiresAt: "2026-01-02T00:00:00Z" }, NOW)).toBeNull();
  });
});

describe("token changes", () => {
  const caller = tokens(["tokens", "task"]);
  it("forbids a token to change its own scopes, type, limit or expiry but lets it rename or deactivate itself", () => {
    const self = { id: "tok_self", type: "custom", endpoints: ["tokens", "task"] };
    for (const change of [{ endpoints: ["task"] }, { type: "zapier" }, { rateLimit: 10 }, { expiresAt: "2027-01-01T00:00:00Z" }]) {
      expect(checkTokenChange(caller, self, change, NOW)?.code).toBe("FORBIDDEN");
    }
    expect(checkTokenChange(caller, self, { name: "renamed", active: false } as never, NOW)).toBeNull();
    expect(checkRemoval(caller, self)).toBeNull();
  });

  it("forbids managing a token that holds more than the caller could grant", () => {
    const stronger = { id: "tok_other", type: "custom", endpoints: ["*"] };
    expect(checkTokenChange(caller, stronger, { active: false } as never, NOW)?.code).toBe("FORBIDDEN");
    expect(checkRemoval(caller, stronger)?.code).toBe("FORBIDDEN");
    expect(checkRemoval(caller, { id: "tok_admin_type", type: "admin", endpoints: ["task"] })?.code).toBe("FORBIDDEN");
    expect(checkTokenChange(caller, { id: "tok_weak", type: "custom", endpoints: ["task"] }, { endpoints: ["task"] }, NOW)).toBeNull();
    expect(checkTokenChange(caller, { id: "tok_weak", type: "custom", endpoints: ["task"] }, { endpoints: ["*"] }, NOW)?.code).toBe("FORBIDDEN");
  });

  it("lets the admin change any token, its own scopes included", () => {
    expect(checkTokenChange(admin, { id: "admin", type: "admin", endpoints: ["*"] }, { endpoints: ["*"] }, NOW)).toBeNull();
  });
});
