// Targeted updates: a PATCH that read the subscription before the consumer auto-disabled it must
// not write the stale status back (it did when every column was rewritten from the stale read).
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { ADMIN_TOKEN, BASE, call } from "./helpers";

async function rows(sql: string, ...values: unknown[]) {
  return (await env.DB.prepare(sql).bind(...values).all<any>()).results;
}

/** env.DB, except that reading a subscription row runs `between` before the read returns. */
function racingDb(between: () => Promise<unknown>): D1Database {
  return new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "prepare") {
        return (sql: string) => {
          const statement = target.prepare(sql);
          // The route's read of one subscription (its tenant marker expanded: `AND 1 = 1` for the admin).
          if (!sql.startsWith("SELECT * FROM subscriptions WHERE id = ?")) return statement;
          return {
            bind: (...values: unknown[]) => {
              const bound = statement.bind(...values);
              const first = async () => {
                const row = await bound.first();
                await between();
                return row;
              };
              return { first };
            },
          };
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("targeted updates", () => {
  it("a PATCH racing an auto-disable leaves the subscription disabled (only changed columns are written)", async () => {
    const created = await call("/subscriptions", { body: { url: "https://hooks.example.com/race", events: ["race.*"], name: "before" } });
    const sub = created.json.data;
    const disable = () => env.DB.prepare("UPDATE subscriptions SET status = 'disabled', disabled_reason = 'endpoint answered 410 Gone', consecutive_failures = 7 WHERE id = ?").bind(sub.id).run();
    const request = new Request(`${BASE}/subscriptions/${sub.id}`, {
      method: "PATCH",
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "after" }),
    });
    const ctx = createExecutionContext();
    const res = await createApp().fetch(request, { ...env, DB: racingDb(disable) }, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    const [row] = await rows("SELECT name, status, disabled_reason, consecutive_failures FROM subscriptions WHERE id = ?", sub.id);
    expect(row).toEqual({ name: "after", status: "disabled", disabled_reason: "endpoint answered 410 Gone", consecutive_failures: 7 });
    expect(((await res.json()) as any).data).toMatchObject({ name: "after", status: "disabled", active: false });
  });
});
