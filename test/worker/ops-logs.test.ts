// Structured request logs through the real Worker: one JSON line per request, never a key or secret.
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { ADMIN_TOKEN, BASE, createToken } from "./helpers";

const app = createApp();

/** Sends one request with logging on and returns the request log lines it produced. */
async function logged(path: string, init: RequestInit & { vars?: Record<string, string> } = {}) {
  const lines: string[] = [];
  const capture = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
  const spies = [vi.spyOn(console, "log").mockImplementation(capture), vi.spyOn(console, "warn").mockImplementation(capture), vi.spyOn(console, "error").mockImplementation(capture)];
  try {
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request(`${BASE}${path}`, init), { ...env, LOG_REQUESTS: "true", ...init.vars }, ctx);
    await res.text();
    await waitOnExecutionContext(ctx);
    const records = lines.filter((l) => l.includes('"msg":"request"')).map((l) => JSON.parse(l));
    return { res, records, raw: lines.join("\n") };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

const json = (body: unknown, token = ADMIN_TOKEN) => ({
  method: "POST",
  headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", "X-Request-ID": "log-test-1", "CF-Connecting-IP": "203.0.113.9" },
  body: JSON.stringify(body),
});

afterEach(() => vi.restoreAllMocks());

describe("request log lines", () => {
  it("writes one line with request id, route pattern, status, duration and token id", async () => {
    const { res, records, raw } = await logged("/tokens", json({ name: "logged", endpoints: ["task"] }));
    expect(res.status).toBe(201);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ level: "info", requestId: "log-test-1", method: "POST", route: "/webhooks/v2/tokens", path: "/webhooks/v2/tokens", status: 201, tokenId: "admin", ip: "203.0.113.9" });
    expect(typeof records[0].durationMs).toBe("number");
    expect(records[0]).not.toHaveProperty("body");
    expect(raw).not.toContain(ADMIN_TOKEN);
  });

  it("logs the route pattern, a token's id and never its key, even when sent as ?api_key=", async () => {
    const token = await createToken(["task"]);
    const { records, raw } = await logged(`/task/task-missing/status?api_key=${token.key}`);
    expect(records[0]).toMatchObject({ route: "/webhooks/v2/task/:id/status", path: "/webhooks/v2/task/task-missing/status", status: 404, level: "warn", tokenId: token.id, query: { api_key: "[REDACTED]" } });
    expect(raw).not.toContain(token.key);
  });

  it("adds the body of a failed request with sensitive fields redacted", async () => {
    const { res, records, raw } = await logged("/tokens", json({ name: "", endpoints: ["task"], password: "hunter2", nested: { clientSecret: "s3cret" } }));
    expect(res.status).toBe(400);
    expect(records[0].body).toEqual({ name: "", endpoints: ["task"], password: "[REDACTED]", nested: { clientSecret: "[REDACTED]" } });
    expect(raw).not.toContain("hunter2");
    expect(raw).not.toContain("s3cret");
  });

  it("follows LOG_BODIES and LOG_REDACT_FIELDS", async () => {
    const all = await logged("/task", { ...json({ action: "add_task", task: "log my whole body please" }), vars: { LOG_BODIES: "all", LOG_REDACT_FIELDS: "task" } });
    expect(all.res.status).toBe(201);
    expect(all.records[0].body).toEqual({ action: "add_task", task: "[REDACTED]" });
    const none = await logged("/task", { ...json({ action: "add_task", task: "short" }), vars: { LOG_BODIES: "none" } });
    expect(none.res.status).toBe(400);
    expect(none.records[0]).not.toHaveProperty("body");
  });

  it("logs unauthenticated and unrouted requests with a null token id", async () => {
    const { records } = await logged("/nowhere?x=1");
    expect(records[0]).toMatchObject({ status: 404, tokenId: null, path: "/webhooks/v2/nowhere", query: { x: "1" } });
  });

  it("writes nothing per request when LOG_REQUESTS=false", async () => {
    const { records } = await logged("/health", { vars: { LOG_REQUESTS: "false" } });
    expect(records).toEqual([]);
  });
});

describe("credentials in 4xx body logs", () => {
  it("hides credential-like header names and redacts urls (userinfo, query, path tokens)", async () => {
    const slack = "https://hooks.slack.com/services/T0000000/B0000000/aB3dE5gH7jK9mN1pQ3rS5tU7";
    const body = {
      url: "https://user:pa55word@example.com/hook?token=s3cr3t-query",
      events: [],
      headers: { Cookie: "session=cookie-value-1", "X-Auth": "x-auth-value-2", "X-Team": "blue" },
      description: slack,
    };
    const { res, records, raw } = await logged("/subscriptions", json(body));
    expect(res.status).toBe(400);
    const logged_ = records[0].body;
    expect(logged_.headers).toMatchObject({ Cookie: "[REDACTED]", "X-Auth": "[REDACTED]", "X-Team": "blue" });
    expect(logged_.url).toBe("https://REDACTED@example.com/hook?token=REDACTED");
    expect(logged_.description).toBe("https://hooks.slack.com/services/T0000000/B0000000/REDACTED");
    for (const secret of ["cookie-value-1", "x-auth-value-2", "pa55word", "s3cr3t-query", "aB3dE5gH7jK9mN1pQ3rS5tU7"]) expect(raw).not.toContain(secret);
  });
});
