// Idempotency through the real Worker: replay, conflict, per-token scope, concurrency, kept outcomes, expiry by alarm.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { IDEMPOTENCY_TTL_MS } from "../../src/limits/idempotency";
import { call, createToken } from "./helpers";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const EXACT = { RATE_LIMIT_BURST_PERIOD_SECONDS: "3600" };

/** How many tokens named `name` exist (each successful POST /tokens creates one). */
async function tokensNamed(name: string): Promise<number> {
  const { results } = await env.DB.prepare("SELECT COUNT(*) AS n FROM tokens WHERE name = ?").bind(name).all<{ n: number }>();
  return results[0]!.n;
}

const create = (name: string, key: string | null, token: string, extra: Record<string, unknown> = {}) =>
  call("/tokens", {
    token,
    body: { name, endpoints: ["task"], ...extra },
    headers: key ? { "Idempotency-Key": key } : {},
    vars: EXACT,
  });

describe("replay", () => {
  it("returns the first response (status and body) with Idempotent-Replayed, creating one resource", async () => {
    const caller = await createToken(["tokens", "task"]);
    const first = await create("idem-replay", "key-replay-1", caller.key);
    expect(first.status).toBe(201);
    expect(first.headers.get("Idempotent-Replayed")).toBeNull();
    const again = await create("idem-replay", "key-replay-1", caller.key);
    expect(again.status).toBe(201);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.text).toBe(first.text);
    expect(again.headers.get("Content-Type")).toBe(first.headers.get("Content-Type"));
    expect(again.headers.get("X-Request-ID")).not.toBe(first.headers.get("X-Request-ID"));
    expect(await tokensNamed("idem-replay")).toBe(1);
  });

  it("takes the key from the body's idempotencyKey, and ignores reordered fields", async () => {
    const caller = await createToken(["tokens", "task"]);
    const body = { name: "idem-body", endpoints: ["task"], type: "custom", idempotencyKey: "body-key-1" };
    const first = await call("/tokens", { token: caller.key, body, vars: EXACT });
    const reordered = { idempotencyKey: "body-key-1", type: "custom", endpoints: ["task"], name: "idem-body" };
    const again = await call("/tokens", { token: caller.key, body: reordered, vars: EXACT });
    expect(first.status).toBe(201);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.json.data.id).toBe(first.json.data.id);
    expect(await tokensNamed("idem-body")).toBe(1);
  });

  it("POST /task with a body idempotencyKey creates one task and one task.created event", async () => {
    const worker = await createToken(["task"]);
    const body = { action: "add_task", task: "idempotent task through the action route", idempotencyKey: "task-key-1" };
    const first = await call("/task", { token: worker.key, body, vars: EXACT });
    const again = await call("/task", { token: worker.key, body, vars: EXACT });
    expect(first.status).toBe(201);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.json.data.id).toBe(first.json.data.id);
    const tasks = await env.DB.prepare("SELECT COUNT(*) AS n FROM tasks WHERE title = ?").bind(body.task).first<{ n: number }>();
    expect(tasks!.n).toBe(1);
    const events = await env.DB.prepare("SELECT COUNT(*) AS n FROM events WHERE type = 'task.created' AND data LIKE ?").bind(`%${first.json.data.id}%`).first<{ n: number }>();
    expect(events!.n).toBe(1);
  });

  it("does not count a replay against rate limits", async () => {
    const caller = await createToken(["tokens", "task"], { rateLimit: 3 });
    expect((await create("idem-count", "key-count", caller.key)).headers.get("X-RateLimit-Remaining")).toBe("2");
    for (let i = 0; i < 5; i++) {
      const replay = await create("idem-count", "key-count", caller.key);
      expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
      expect(replay.headers.get("X-RateLimit-Remaining")).toBe("2");
    }
    const next = await call("/tokens", { token: caller.key, vars: EXACT });
    expect(next.status).toBe(200);
    expect(next.headers.get("X-RateLimit-Remaining")).toBe("1");
  });

  it("serves a replay even when the caller is rate limited now", async () => {
    const caller = await createToken(["tokens", "task"], { rateLimit: 1 });
    expect((await create("idem-limited", "key-limited", caller.key)).status).toBe(201);
    expect((await call("/tokens", { token: caller.key, vars: EXACT })).status).toBe(429);
    const replay = await create("idem-limited", "key-limited", caller.key);
    expect(replay.status).toBe(201);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
  });

  it("ignores keys on GET", async () => {
    const caller = await createToken(["tokens", "task"]);
    const res = await call("/tokens", { token: caller.key, headers: { "Idempotency-Key": "get-key" }, vars: EXACT });
    const again = await call("/tokens", { token: caller.key, headers: { "Idempotency-Key": "get-key" }, vars: EXACT });
    expect(res.status).toBe(200);
    expect(again.headers.get("Idempotent-Replayed")).toBeNull();
  });
});

describe("conflicts and scope", () => {
  it("answers 409 IDEMPOTENCY_CONFLICT to the same key with a different body", async () => {
    const caller = await createToken(["tokens", "task"]);
    expect((await create("idem-conflict", "key-conflict", caller.key)).status).toBe(201);
    const other = await create("idem-conflict-2", "key-conflict", caller.key);
    expect(other.status).toBe(409);
    expect(other.json).toMatchObject({ success: false, code: "IDEMPOTENCY_CONFLICT", retryable: false, details: { reason: "different_request" } });
    expect(await tokensNamed("idem-conflict-2")).toBe(0);
  });

  it("scopes keys per token", async () => {
    const a = await createToken(["tokens", "task"]);
    const b = await createToken(["tokens", "task"]);
    const fromA = await create("idem-scope", "shared-key", a.key);
    const fromB = await create("idem-scope", "shared-key", b.key);
    expect(fromB.status).toBe(201);
    expect(fromB.headers.get("Idempotent-Replayed")).toBeNull();
    expect(fromB.json.data.id).not.toBe(fromA.json.data.id);
  });

  it("refuses a malformed key with 400 before doing anything", async () => {
    const caller = await createToken(["tokens", "task"]);
    const res = await create("idem-bad-key", "has spaces", caller.key);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: "SCHEMA_VALIDATION_ERROR", details: { field: "Idempotency-Key" } });
  });
});

describe("concurrency", () => {
  it("ten concurrent requests with one key create one resource; the others replay it", async () => {
    const caller = await createToken(["tokens", "task"]);
    const all = await Promise.all(Array.from({ length: 10 }, () => create("idem-race", "key-race", caller.key)));
    expect(all.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(all.map((r) => r.json.data.id)).size).toBe(1);
    expect(all.filter((r) => r.headers.get("Idempotent-Replayed") === "true")).toHaveLength(9);
    expect(await tokensNamed("idem-race")).toBe(1);
  });

  it("a duplicate of an in-flight request waits for it and gets its outcome", async () => {
    const caller = await createToken(["tokens", "task"]);
    const stub = env.TOKEN_STATE.getByName(caller.id);
    const claim = { key: "slow-key", fingerprint: "fp", owner: "first" };
    expect((await stub.begin([], claim)).kind).toBe("admission");
    const waiting = stub.wait({ ...claim, owner: "second" }, 5_000);
    await sleep(50);
    await stub.complete(claim, { status: 202, body: '{"late":true}', contentType: "application/json" });
    expect(await waiting).toEqual({ kind: "replay", response: { status: 202, body: '{"late":true}', contentType: "application/json" } });
  });
});

describe("which outcomes are kept", () => {
  it("keeps a deterministic 4xx (schema error) and replays it", async () => {
    const caller = await createToken(["tokens", "task"]);
    const bad = await create("", "key-invalid-body", caller.key);
    expect(bad.status).toBe(400);
    const again = await create("", "key-invalid-body", caller.key);
    expect(again.status).toBe(400);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.text).toBe(bad.text);
  });

  it("does not keep a 429: after Retry-After the same key runs for real", async () => {
    const caller = await createToken(["tokens", "task"], { rateLimit: 3600 });
    const vars = { RATE_LIMIT_BURST_PERIOD_SECONDS: "1" }; // one token, refilled each second
    expect((await call("/tokens", { token: caller.key, vars })).status).toBe(200);
    const body = { name: "idem-after-429", endpoints: ["task"] };
    const limited = await call("/tokens", { token: caller.key, body, headers: { "Idempotency-Key": "key-429" }, vars });
    expect(limited.status).toBe(429);
    await sleep(limited.json.retryAfter * 1000);
    const created = await call("/tokens", { token: caller.key, body, headers: { "Idempotency-Key": "key-429" }, vars });
    expect(created.status).toBe(201);
    expect(created.headers.get("Idempotent-Replayed")).toBeNull();
  });

  it("frees the key when the request fails without a response to keep (5xx)", async () => {
    const caller = await createToken(["tokens", "task"]);
    const stub = env.TOKEN_STATE.getByName(caller.id);
    const claim = { key: "k-5xx", fingerprint: "fp", owner: "one" };
    expect((await stub.begin([], claim)).kind).toBe("admission");
    expect(await stub.begin([], { ...claim, owner: "two" })).toMatchObject({ kind: "key", lookup: { kind: "in_flight" } });
    await stub.complete(claim, null);
    expect((await stub.begin([], { ...claim, owner: "three" })).kind).toBe("admission");
    // A stale report from the first owner cannot overwrite the new one.
    await stub.complete(claim, { status: 201, body: "{}", contentType: "application/json" });
    expect(await stub.begin([], { ...claim, owner: "four" })).toMatchObject({ kind: "key", lookup: { kind: "in_flight" } });
  });
});

describe("expiry", () => {
  it("keeps records 24 h, then an alarm deletes them and the key is free again", async () => {
    const caller = await createToken(["tokens", "task"]);
    const first = await create("idem-expiry", "key-expiry", caller.key);
    expect(first.status).toBe(201);
    const stub = env.TOKEN_STATE.getByName(caller.id);
    const inspect = () =>
      runInDurableObject(stub, async (_instance, state) => ({
        alarm: await state.storage.getAlarm(),
        record: state.storage.sql.exec<{ created_at: number; expires_at: number }>("SELECT created_at, expires_at FROM idempotency_keys WHERE key = 'key-expiry'").one(),
      }));
    const { alarm, record } = await inspect();
    expect(record.expires_at - record.created_at).toBe(IDEMPOTENCY_TTL_MS);
    expect(IDEMPOTENCY_TTL_MS).toBe(24 * 3_600_000); // the contract's 24 h
    // The first sweep was set for the in-flight lease; it finds nothing expired and moves to the record's expiry.
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeLessThanOrEqual(record.expires_at);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await inspect()).alarm).toBe(record.expires_at);
    expect((await create("idem-expiry", "key-expiry", caller.key)).headers.get("Idempotent-Replayed")).toBe("true");

    // Let the 24 h pass for this record, then fire the alarm.
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE idempotency_keys SET expires_at = ? WHERE key = 'key-expiry'", Date.now() - 1);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const left = await runInDurableObject(stub, (_i, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM idempotency_keys").one().n);
    expect(left).toBe(0);
    const fresh = await create("idem-expiry", "key-expiry", caller.key);
    expect(fresh.status).toBe(201);
    expect(fresh.headers.get("Idempotent-Replayed")).toBeNull();
    expect(await tokensNamed("idem-expiry")).toBe(2);
  });
});
