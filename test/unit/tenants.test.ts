// The tenant model and TenantDb's marker expansion (pure): which tenant a caller acts in, and SQL that cannot forget its tenant.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { actingTenant, isTenantId, TENANT_OWNED_TABLES } from "../../src/tenants/model";
import { TenantDb, TenantScopeError } from "../../src/tenants/tenant-db";

describe("tenant ids", () => {
  it("accepts 1-64 chars of [a-z0-9][a-z0-9_-]* and nothing else", () => {
    for (const id of ["default", "a", "acme-1", "t_2", "0", "a".repeat(64)]) expect(isTenantId(id)).toBe(true);
    for (const id of ["", "-a", "_a", "Acme", "a b", "a'b", "a".repeat(65), "é", "a;DROP"]) expect(isTenantId(id)).toBe(false);
  });
});

describe("actingTenant", () => {
  it("keeps the caller's own tenant without X-Tenant-ID (null: the admin spans every tenant)", () => {
    expect(actingTenant("acme", null)).toEqual({ tenantId: "acme" });
    expect(actingTenant(null, null)).toEqual({ tenantId: null });
  });
  it("lets the admin act in any named tenant and a tenant only in its own", () => {
    expect(actingTenant(null, "globex")).toEqual({ tenantId: "globex" });
    expect(actingTenant("acme", "acme")).toEqual({ tenantId: "acme" });
    expect(actingTenant("acme", "globex")).toEqual({ refusal: "foreign" });
  });
  it("refuses a malformed header before anything else", () => {
    expect(actingTenant(null, "Not Valid")).toEqual({ refusal: "malformed" });
    expect(actingTenant("acme", "x'--")).toEqual({ refusal: "malformed" });
  });
});

describe("TenantDb", () => {
  const acme = TenantDb.of(env.DB, "acme");
  const all = TenantDb.all(env.DB);

  it("expands $tenant(col) to a filter on the bound tenant, or to true when spanning", () => {
    expect(acme.expand("SELECT * FROM tasks WHERE id = ? AND $tenant(tenant_id)")).toBe("SELECT * FROM tasks WHERE id = ? AND tenant_id = 'acme'");
    expect(acme.expand("SELECT * FROM deliveries d JOIN events e ON e.id = d.event_id WHERE $tenant(d.tenant_id)")).toContain("d.tenant_id = 'acme'");
    expect(all.expand("SELECT * FROM tasks WHERE $tenant(tenant_id)")).toBe("SELECT * FROM tasks WHERE 1 = 1");
  });

  it("expands $tenant to the owning tenant's literal (default when spanning)", () => {
    expect(acme.expand("INSERT INTO tasks (id, tenant_id) VALUES (?, $tenant)")).toBe("INSERT INTO tasks (id, tenant_id) VALUES (?, 'acme')");
    expect(all.expand("INSERT INTO tasks (id, tenant_id) VALUES (?, $tenant)")).toBe("INSERT INTO tasks (id, tenant_id) VALUES (?, 'default')");
    expect(all.owner).toBe("default");
    expect(acme.owner).toBe("acme");
  });

  it("refuses SQL on every tenant-owned table without a marker, in every statement shape", () => {
    for (const table of TENANT_OWNED_TABLES) {
      for (const sql of [`SELECT * FROM ${table} WHERE id = ?`, `DELETE FROM ${table} WHERE id = ?`, `UPDATE ${table} SET x = 1`, `INSERT INTO ${table} (id) VALUES (?)`, `SELECT 1 FROM tenants t JOIN ${table} x ON x.id = t.id`]) {
        expect(() => acme.expand(sql), sql).toThrow(TenantScopeError);
        expect(() => all.prepare(sql), sql).toThrow(TenantScopeError);
      }
    }
  });

  it("lets SQL on tables no tenant owns through unchanged", () => {
    expect(acme.expand("SELECT * FROM tenants WHERE id = ?")).toBe("SELECT * FROM tenants WHERE id = ?");
    expect(acme.expand("SELECT value FROM system_state WHERE key = ?")).toBe("SELECT value FROM system_state WHERE key = ?");
  });

  it("refuses a handle for a malformed tenant id (the literal can never carry a quote)", () => {
    expect(() => TenantDb.of(env.DB, "a'b")).toThrow();
    expect(TenantDb.scoped(env.DB, null).tenantId).toBeNull();
  });

  it("sees its own tenant's rows only, or every tenant's when spanning", () => {
    expect(acme.sees("acme")).toBe(true);
    expect(acme.sees("globex")).toBe(false);
    expect(all.sees("globex")).toBe(true);
  });

  it("runs expanded statements against D1: a bound handle reads only its tenant's rows", async () => {
    await env.DB.batch([
      env.DB.prepare("INSERT INTO tenant_sources (id, tenant_id, provider, secrets, secret_count, created_at, updated_at) VALUES ('u-a', 'acme', 'generic', '[]', 0, 0, 0)"),
      env.DB.prepare("INSERT INTO tenant_sources (id, tenant_id, provider, secrets, secret_count, created_at, updated_at) VALUES ('u-b', 'globex', 'generic', '[]', 0, 0, 0)"),
    ]);
    const names = async (db: TenantDb) => (await db.prepare("SELECT id FROM tenant_sources WHERE id LIKE 'u-%' AND $tenant(tenant_id) ORDER BY id").all<{ id: string }>()).results.map((r) => r.id);
    expect(await names(acme)).toEqual(["u-a"]);
    expect(await names(TenantDb.of(env.DB, "globex"))).toEqual(["u-b"]);
    expect(await names(all)).toEqual(["u-a", "u-b"]);
  });
});
