// Group commit through real D1: concurrent jobs share one batch, a bad statement fails only its own job, and
// concurrent POST /task requests through the real app need fewer D1 round trips (counted by instrumentation).
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { GroupCommit } from "../../src/lib/group-commit";
import { ADMIN_TOKEN, BASE } from "./helpers";

const ctx = { waitUntil: (_: Promise<unknown>) => undefined };

beforeAll(async () => {
  await env.DB.prepare("CREATE TABLE IF NOT EXISTS gc_probe (id TEXT PRIMARY KEY, n INTEGER NOT NULL)").run();
});

describe("GroupCommit", () => {
  it("gathers concurrent jobs into one batch and answers each with its own results", async () => {
    const executor = new GroupCommit(env.DB, { gatherMs: 20, maxStatements: 200 });
    const jobs = Array.from({ length: 10 }, (_, i) => executor.commit([env.DB.prepare("INSERT INTO gc_probe (id, n) VALUES (?, ?)").bind(`a${i}`, i), env.DB.prepare("SELECT ? AS n").bind(i)], ctx));
    const results = await Promise.all(jobs);
    expect(executor.stats).toEqual({ jobs: 10, batches: 1, fallbacks: 0 });
    expect(results.map((r) => (r[1]!.results[0] as { n: number }).n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(results.every((r) => r[0]!.meta.changes === 1)).toBe(true);
  });

  it("one bad statement fails only its own job: the others commit (the group falls back to single batches)", async () => {
    const executor = new GroupCommit(env.DB, { gatherMs: 20, maxStatements: 200 });
    const insert = (id: string) => env.DB.prepare("INSERT INTO gc_probe (id, n) VALUES (?, 1)").bind(id);
    const good1 = executor.commit([insert("b1")], ctx);
    const bad = executor.commit([insert("b2"), insert("b2")], ctx); // a primary-key clash inside the job
    const good2 = executor.commit([insert("b3")], ctx);
    await expect(good1).resolves.toHaveLength(1);
    await expect(bad).rejects.toThrow(/UNIQUE|constraint/i);
    await expect(good2).resolves.toHaveLength(1);
    expect(executor.stats).toEqual({ jobs: 3, batches: 4, fallbacks: 1 });
    const rows = await env.DB.prepare("SELECT id FROM gc_probe WHERE id LIKE 'b%' ORDER BY id").all<{ id: string }>();
    expect(rows.results.map((r) => r.id)).toEqual(["b1", "b3"]); // the bad job left nothing behind
  });

  it("keeps changes() guards inside each job: a job's guard never sees another job's change", async () => {
    await env.DB.prepare("INSERT INTO gc_probe (id, n) VALUES ('c', 0)").run();
    const executor = new GroupCommit(env.DB, { gatherMs: 20, maxStatements: 200 });
    const guarded = (from: number, marker: string) => [
      env.DB.prepare("UPDATE gc_probe SET n = n + 1 WHERE id = 'c' AND n = ?").bind(from),
      env.DB.prepare("INSERT INTO gc_probe (id, n) SELECT ?, 1 WHERE changes() > 0").bind(marker),
    ];
    // Both jobs expect n = 0: only the first (in the batch) changes it, so only its marker is written.
    await Promise.all([executor.commit(guarded(0, "c-first"), ctx), executor.commit(guarded(0, "c-second"), ctx)]);
    expect(executor.stats.batches).toBe(1);
    const markers = await env.DB.prepare("SELECT id FROM gc_probe WHERE id LIKE 'c-%'").all<{ id: string }>();
    expect(markers.results.map((r) => r.id)).toEqual(["c-first"]);
  });
});

/** Round trips counted per binding: D1 calls (batch, exec and statement runs) and Durable Object RPCs. */
interface Counts {
  d1: number;
  durableObjects: number;
}

function countingEnv(vars: Record<string, string>): { env: Env; counts: Counts } {
  const counts: Counts = { d1: 0, durableObjects: 0 };
  const countStatement = (statement: D1PreparedStatement): D1PreparedStatement => {
    for (const name of ["first", "all", "run", "raw"] as const) {
      const original = statement[name].bind(statement) as (...args: unknown[]) => unknown;
      (statement as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => (counts.d1++, original(...args));
    }
    const bind = statement.bind.bind(statement);
    statement.bind = (...values: unknown[]) => countStatement(bind(...values));
    return statement;
  };
  const db = new Proxy(env.DB, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (prop === "prepare") return (sql: string) => countStatement(target.prepare(sql));
      if (prop === "batch" || prop === "exec") return (...args: unknown[]) => (counts.d1++, (value as (...a: unknown[]) => unknown).apply(target, args));
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const countingStub = (stub: object) =>
    new Proxy(stub, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (typeof prop !== "string" || prop === "then" || typeof value !== "function") return value;
        return (...args: unknown[]) => (counts.durableObjects++, Reflect.apply(value as (...a: unknown[]) => unknown, target, args));
      },
    });
  const namespace = (ns: object) =>
    new Proxy(ns, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (prop === "get" || prop === "getByName") return (...args: unknown[]) => countingStub(Reflect.apply(value as (...a: unknown[]) => object, target, args));
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  const wrapped = { ...env, ...vars, DB: db } as Record<string, unknown>;
  for (const name of ["TOKEN_STATE", "LIMIT_COUNTER", "EVENT_HUB", "METRICS", "ENDPOINT_GUARD", "SWEEPER"]) wrapped[name] = namespace(env[name as keyof Env] as object);
  return { env: wrapped as unknown as Env, counts };
}

/** `n` concurrent POST /task through the real app under `vars`; the round trips counted, waitUntil work included. */
async function concurrentTasks(n: number, vars: Record<string, string>) {
  const app = createApp();
  const { env: counted, counts } = countingEnv({ METRICS_ENABLED: "false", ...vars });
  // Warm the isolate's caches (subscription snapshot, config) so the counts are the steady state.
  const warm = createExecutionContext();
  await app.fetch(taskRequest(), counted, warm);
  await waitOnExecutionContext(warm);
  counts.d1 = 0;
  counts.durableObjects = 0;
  const statuses = await Promise.all(
    Array.from({ length: n }, async () => {
      const ctx = createExecutionContext();
      const res = await app.fetch(taskRequest(), counted, ctx);
      await res.arrayBuffer();
      await waitOnExecutionContext(ctx);
      return res.status;
    }),
  );
  return { statuses, d1PerRequest: counts.d1 / n, durableObjectsPerRequest: counts.durableObjects / n };
}

const taskRequest = () =>
  new Request(`${BASE}/task`, {
    method: "POST",
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify({ action: "add_task", task: "round trips counted by instrumentation" }),
  });

describe("round trips per POST /task (instrumented bindings)", () => {
  it("without group commit each request is one D1 batch; with it, concurrent requests share batches", async () => {
    const before = await concurrentTasks(12, { PUBLISH_GROUP_COMMIT_MS: "0" });
    const after = await concurrentTasks(12, { PUBLISH_GROUP_COMMIT_MS: "20" });
    console.log(JSON.stringify({ roundTripsPerTask: { before, after } }));
    expect(before.statuses).toEqual(Array(12).fill(201));
    expect(after.statuses).toEqual(Array(12).fill(201));
    expect(before.d1PerRequest).toBe(1);
    expect(after.d1PerRequest).toBeLessThanOrEqual(0.5);
    // Durable Objects: the endpoint level and ONE global shard (admin: no token level), and the hub hand-off
    // (gathered per isolate, so at most one per request).
    expect(before.durableObjectsPerRequest).toBeLessThanOrEqual(3);
    expect(after.durableObjectsPerRequest).toBeLessThanOrEqual(3);
  });
});
