// Round trips per request, counted by instrumenting the real bindings: concurrent POST /task requests through
// the real app, with the D1 calls and Durable Object RPCs each one causes (waitUntil work included).
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { ADMIN_TOKEN, BASE } from "./helpers";

/** Round trips counted per binding: D1 calls (batch, exec and statement runs) and Durable Object RPCs. */
interface Counts {
  d1: number;
  /** Of which `batch()` calls (the publish transaction). */
  d1Batches: number;
  durableObjects: number;
}

function countingEnv(vars: Record<string, string>): { env: Env; counts: Counts } {
  const counts: Counts = { d1: 0, d1Batches: 0, durableObjects: 0 };
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
      if (prop === "batch" || prop === "exec") return (...args: unknown[]) => (counts.d1++, prop === "batch" && counts.d1Batches++, (value as (...a: unknown[]) => unknown).apply(target, args));
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
  counts.d1Batches = 0;
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
  return { statuses, d1PerRequest: counts.d1 / n, d1BatchesPerRequest: counts.d1Batches / n, durableObjectsPerRequest: counts.durableObjects / n };
}

const taskRequest = () =>
  new Request(`${BASE}/task`, {
    method: "POST",
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify({ action: "add_task", task: "round trips counted by instrumentation" }),
  });

describe("round trips per POST /task (instrumented bindings)", () => {
  it("one D1 batch per request; Durable Objects: the endpoint level, one global shard, and hub hand-offs gathered per isolate", async () => {
    const n = 12;
    const { statuses, d1PerRequest, d1BatchesPerRequest, durableObjectsPerRequest } = await concurrentTasks(n, {});
    console.log(JSON.stringify({ roundTripsPerTask: { requests: n, d1PerRequest, d1BatchesPerRequest, durableObjectsPerRequest } }));
    expect(statuses).toEqual(Array(n).fill(201));
    // The response waits for one D1 call: the publish batch. After it (waitUntil), automation looks up the open
    // waits of the tenant (one query per publish, run-store.ts openWaits).
    expect(d1BatchesPerRequest).toBe(1);
    expect(d1PerRequest).toBeLessThanOrEqual(2);
    // Admin caller: no token level. 2 limiter calls each (endpoint:task, global:<i>), and fewer hub calls than
    // requests (main: 3 per request — endpoint, the one global object, hub-0 for every publish).
    expect(durableObjectsPerRequest).toBeGreaterThanOrEqual(2);
    expect(durableObjectsPerRequest).toBeLessThan(3);
  });
});
