// A wave-1 database (tokens and subscriptions from before tenants) migrates with `npm run dev`'s command and keeps working in the `default` tenant.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { applyMigrations, executeD1, startWranglerDev } from "../../scripts/wrangler-dev.mjs";
import { eventually, gatewayClient } from "./delivery-helpers.ts";
import { startReceiver, verifyStandard } from "./receiver.ts";

const ENCRYPTION_KEY = "ZTJlLWVuY3J5cHRpb24ta2V5LTMyLWJ5dGVzLTAxMjM=";
const OLD_KEY = "ehk_wave1-key-that-existed-before-tenants-000";
const SECRET = "whsec_" + Buffer.from("wave-1 subscription secret 32b!!").toString("base64");
const state = mkdtempSync(join(tmpdir(), "edgehook-tenant-upgrade-"));
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  rmSync(state, { recursive: true, force: true });
});

// The gateway's own sealing and default policy (loaded at run time: src/ is type-checked by its own
// tsconfig, with bundler resolution, not by this Node project's).
const SRC = "../../src/";
const { sealSecret } = (await import(`${SRC}lib/secret-box.ts`)) as { sealSecret: (key: string, plain: string, context: string) => Promise<string> };
const { DEFAULT_RETRY_POLICY } = (await import(`${SRC}delivery/core/retry-policy.ts`)) as { DEFAULT_RETRY_POLICY: object };

const sql = (v: string | null) => (v === null ? "NULL" : `'${v.replaceAll("'", "''")}'`);

describe("upgrading a wave-1 database to tenants", () => {
  it("keeps old tokens and subscriptions working in the default tenant, and out of other tenants' reach", { timeout: 240_000 }, async () => {
    const receiver = await startReceiver();
    cleanup.push(() => receiver.close());
    const hash = createHash("sha256").update(OLD_KEY).digest("hex");
    const now = Date.now();
    const rows = `
INSERT INTO tokens (id, name, type, key_hash, key_prefix, rate_limit, endpoints, active, created_at, updated_at) VALUES ('tok-wave1', 'old zap', 'zapier', '${hash}', '${OLD_KEY.slice(0, 10)}', NULL, '["task","subscriptions","events"]', 1, ${now}, ${now});
INSERT INTO subscriptions (id, url, events, method, auth_info, retry_policy, timeout_ms, status, secret_enc, created_by, created_at, updated_at) VALUES ('sub-wave1', ${sql(`${receiver.url}/old`)}, '["task.created"]', 'POST', '{"type":"none"}', ${sql(JSON.stringify(DEFAULT_RETRY_POLICY))}, 5000, 'active', ${sql(await sealSecret(ENCRYPTION_KEY, SECRET, "sub-wave1"))}, 'tok-wave1', ${now}, ${now});
`;
    const old = join(state, "wave1.sql");
    writeFileSync(old, readFileSync("migrations/0001_initial.sql", "utf8") + rows);
    executeD1(state, { file: old });
    // What `npm run dev` runs; then a second tenant appears beside the migrated `default`.
    applyMigrations(state);
    executeD1(state, { command: `INSERT INTO tenants (id, name, created_at, updated_at) VALUES ('newco', 'NewCo', ${now}, ${now})` });

    const gateway = await startWranglerDev({ persistTo: state });
    cleanup.push(() => gateway.stop({ keepState: true }));
    const admin = gatewayClient(gateway.url, gateway.adminToken);
    const legacy = gatewayClient(gateway.url, OLD_KEY);

    // The old token still authenticates, sees its subscription, now labelled `default`.
    const listed = await legacy("/subscriptions");
    expect(listed.status).toBe(200);
    expect(listed.json.data.items.map((s: any) => [s.id, s.tenantId])).toEqual([["sub-wave1", "default"]]);
    const tokens = await admin("/tokens");
    expect(tokens.json.data.items.find((t: any) => t.id === "tok-wave1")).toMatchObject({ tenantId: "default", active: true });

    // It still publishes, and the old subscription still receives, signed with its old secret.
    const task = await legacy("/task", { body: { action: "add_task", task: "after the upgrade" } });
    expect(task.status).toBe(201);
    const [delivered] = await receiver.waitFor(1, { timeoutMs: 30_000 });
    const body = verifyStandard(SECRET, delivered!) as any;
    expect(body).toMatchObject({ type: "task.created", tenantId: "default" });

    // A new tenant's token cannot reach the default tenant's old rows.
    const created = await admin("/tokens", { body: { name: "newco", endpoints: ["subscriptions", "events", "task"], tenantId: "newco" } });
    expect(created.status).toBe(201);
    const other = gatewayClient(gateway.url, created.json.data.key);
    expect((await other("/subscriptions/sub-wave1")).status).toBe(404);
    expect((await other("/subscriptions")).json.data.items).toEqual([]);
    expect((await other(`/events/${body.id}`)).status).toBe(404);
    await other("/task", { body: { action: "add_task", task: "newco's own" } });
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.requests).toHaveLength(1);
    const mine = await eventually(async () => {
      const res = await legacy(`/events/${body.id}`);
      return res.status === 200 ? res.json.data : undefined;
    });
    expect(mine.tenantId).toBe("default");
  });
});
