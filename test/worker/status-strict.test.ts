// GET /status figures and STRICT_SCHEMAS through the real Worker.
import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { ADMIN_TOKEN, BASE, call } from "./helpers";

describe("GET /status", () => {
  it("reports uptime, request count and per-route averages", async () => {
    await call("/health", { token: null });
    await call("/task", { body: { action: "add_task", task: "count this request please" } });
    const res = await call("/status");
    expect(res.status).toBe(200);
    const { data } = res.json;
    expect(data.uptime).toBeGreaterThanOrEqual(0);
    expect(data.uptime).toBeLessThan(3600);
    expect(data.requestCount).toBeGreaterThanOrEqual(2);
    expect(data.endpoints["POST /webhooks/v2/task"]).toMatchObject({ status: "ok" });
    expect(data.endpoints["POST /webhooks/v2/task"].count).toBeGreaterThanOrEqual(1);
    expect(typeof data.endpoints["GET /webhooks/v2/health"].avgResponseMs).toBe("number");
  });

  it("needs a credential", async () => {
    expect((await call("/status", { token: null })).status).toBe(401);
  });
});

describe("STRICT_SCHEMAS", () => {
  const post = (strict: string, body: unknown) =>
    createApp().fetch(
      new Request(`${BASE}/task`, { method: "POST", headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" }, body: JSON.stringify(body) }),
      { ...env, STRICT_SCHEMAS: strict },
      createExecutionContext(),
    );
  const body = { action: "add_task", task: "a task with an extra field", color: "blue" };

  it("drops unknown fields by default", async () => {
    expect((await post("false", body)).status).toBe(201);
  });

  it("rejects unknown fields when strict, naming them", async () => {
    const res = await post("true", body);
    expect(res.status).toBe(400);
    const json = (await res.json()) as { code: string; details: { field: string; reason: string } };
    expect(json.code).toBe("SCHEMA_VALIDATION_ERROR");
    expect(json.details.field).toBe("color");
  });
});
