// Wire-contract conformance over real HTTP against `wrangler dev`: envelopes, request ids, routing
// errors, body gate, authentication and scopes, CORS, and no HTML or 500 for malformed input.
// Scenario ids ([ENV-1], ...) are mapped to contract clauses in docs/CONFORMANCE.md.
import { beforeAll, describe, expect, inject, it } from "vitest";
import { api, BASE_PATH, createToken, expectError, expectNotHtmlNor500, expectSchemaError, expectSuccess, rawRequest } from "./client.ts";

const url = inject("gatewayUrl");
const admin = inject("adminToken");
const TASK = { action: "add_task", task: "conformance task number one", priority: "medium" };
const GENERATED_ID = /^req-[A-Za-z0-9._:-]{12,}$/;

let taskKey: string;
beforeAll(async () => {
  taskKey = (await createToken(url, admin, ["task"])).key;
});

describe("envelopes", () => {
  it("[ENV-1] success: {success, data, meta{requestId, processingTime, apiVersion 2.0}} on public and authenticated routes", async () => {
    const health = expectSuccess(await api(url, "/health"));
    expect(health.status).toBe("healthy");
    const list = expectSuccess(await api(url, "/tokens", { token: admin }));
    expect(Array.isArray(list.items)).toBe(true);
  });

  it("[ENV-2] error: {success false, error, code, requestId, timestamp ISO, retryable, meta.apiVersion}", async () => {
    const body = expectError(await api(url, "/tokens"), "UNAUTHORIZED", 401);
    expect(body.retryable).toBe(false);
  });

  it("[ENV-3] a created resource answers 201 with links", async () => {
    const res = await api(url, "/task", { token: taskKey, body: TASK });
    expectSuccess(res, 201);
    expect(res.json.links).toMatchObject({ self: expect.stringMatching(/^\/webhooks\/v2\/task\/task-/), status: expect.stringMatching(/\/status$/) });
  });
});

describe("X-Request-ID", () => {
  it("[RID-1] echoes a well-formed client id on success and on error", async () => {
    for (const id of ["Ab9._:-", "client-req.0001:retry_2", "x".repeat(128)]) {
      const ok = await api(url, "/health", { headers: { "X-Request-ID": id } });
      expect(ok.headers.get("x-request-id")).toBe(id);
      expect(ok.json.meta.requestId).toBe(id);
      const failed = await api(url, "/tokens", { headers: { "X-Request-ID": id } });
      expect(failed.headers.get("x-request-id")).toBe(id);
      expect(failed.json.requestId).toBe(id);
    }
  });

  it("[RID-2] replaces an invalid id (bad characters, 129 chars, empty) with req-<12+ chars>", async () => {
    for (const id of ["has space", "a/b", "semi;colon", "x".repeat(129), ""]) {
      const res = await api(url, "/health", { headers: { "X-Request-ID": id } });
      const sent = res.headers.get("x-request-id");
      expect(sent).toMatch(GENERATED_ID);
      expect(res.json.meta.requestId).toBe(sent);
    }
  });

  it("[RID-3] generates a fresh id when none is sent, on every kind of response", async () => {
    const responses = [
      await api(url, "/health"),
      await api(url, "/nope"),
      await api(url, "/health", { method: "DELETE" }),
      await api(url, "/task", { method: "OPTIONS", headers: { Origin: "https://app.example.com", "Access-Control-Request-Method": "POST" } }),
      await api(url, "/task", { token: taskKey, rawBody: "{", headers: { "Content-Type": "application/json" } }),
    ];
    const ids = responses.map((r) => r.headers.get("x-request-id"));
    for (const id of ids) expect(id).toMatch(GENERATED_ID);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("routing errors", () => {
  it("[ROUTE-1] unknown routes get 404 NOT_FOUND as JSON, inside and outside the base path", async () => {
    for (const path of ["/nope", "/task/extra/segments/here", "//", "//webhooks/v1/task", "//favicon.ico"]) {
      expectError(await api(url, path), "NOT_FOUND", 404);
    }
  });

  it("[ROUTE-2] a known path with the wrong method gets 405 METHOD_NOT_ALLOWED with Allow", async () => {
    const cases: [string, string, string][] = [
      ["/health", "DELETE", "GET"],
      ["/task", "PUT", "POST"],
      ["/task", "GET", "POST"],
      ["/tokens", "PATCH", "POST"],
    ];
    for (const [path, method, allowed] of cases) {
      const res = await api(url, path, { method, token: admin });
      expectError(res, "METHOD_NOT_ALLOWED", 405);
      const allow = (res.headers.get("allow") ?? "").split(",").map((m) => m.trim());
      expect(allow).toContain(allowed);
      expect(allow).not.toContain(method);
    }
  });
});

describe("body gate", () => {
  it("[BODY-1] malformed JSON gets 400 INVALID_JSON", async () => {
    for (const rawBody of ["{", '{"action": "add_task",}', "not json", "\u0000\u0001\u0002"]) {
      expectError(await api(url, "/task", { token: taskKey, rawBody, headers: { "Content-Type": "application/json" } }), "INVALID_JSON", 400);
    }
  });

  it("[BODY-2] a body that is not JSON by Content-Type gets 415 UNSUPPORTED_MEDIA_TYPE (forms only on the inbound actions)", async () => {
    const body = JSON.stringify(TASK);
    for (const type of ["text/plain", "application/xml"]) {
      expectError(await api(url, "/task", { token: taskKey, rawBody: body, headers: { "Content-Type": type } }), "UNSUPPORTED_MEDIA_TYPE", 415);
    }
    const form = "url=http%3A%2F%2F127.0.0.1%3A9%2Fx&events=task.*";
    expectError(await api(url, "/subscriptions", { token: admin, rawBody: form, headers: { "Content-Type": "application/x-www-form-urlencoded" } }), "UNSUPPORTED_MEDIA_TYPE", 415);
    const untyped = await rawRequest(url, { method: "POST", path: `${BASE_PATH}/task`, headers: { Authorization: `Bearer ${taskKey}`, "Content-Length": "2" }, stream: { first: "{}", size: 0 } });
    expectError(untyped, "UNSUPPORTED_MEDIA_TYPE", 415);
  });

  it("[BODY-3] JSON that is not an object, or too deeply nested, is a 400, never a 500", async () => {
    for (const rawBody of ["null", "[]", '"text"', "42"]) {
      expectError(await api(url, "/task", { token: taskKey, rawBody, headers: { "Content-Type": "application/json" } }), "SCHEMA_VALIDATION_ERROR", 400);
    }
    const deep = `${"[".repeat(200_000)}${"]".repeat(200_000)}`;
    const res = await api(url, "/task", { token: taskKey, rawBody: deep, headers: { "Content-Type": "application/json" } });
    expectNotHtmlNor500(res);
    expect(res.status).toBe(400);
    expect(["INVALID_JSON", "SCHEMA_VALIDATION_ERROR"]).toContain(res.json?.code);
  });
});

describe("authentication and scopes", () => {
  it("[AUTH-1] accepts the key as Bearer, X-API-Key and ?api_key=", async () => {
    expectSuccess(await api(url, "/task", { body: TASK, headers: { Authorization: `Bearer ${taskKey}` } }), 201);
    expectSuccess(await api(url, "/task", { body: TASK, headers: { "X-API-Key": taskKey } }), 201);
    expectSuccess(await api(url, `/task?api_key=${encodeURIComponent(taskKey)}`, { body: TASK }), 201);
  });

  it("[AUTH-2] missing, unknown or malformed credentials get 401 UNAUTHORIZED", async () => {
    const unknown = `ehk_${"A".repeat(43)}`;
    const cases: Record<string, string>[] = [
      {},
      { Authorization: `Bearer ${unknown}` },
      { "X-API-Key": unknown },
      { Authorization: `Basic ${Buffer.from(`user:${taskKey}`).toString("base64")}` },
      { Authorization: "Bearer" },
      { Authorization: `Bearer ${taskKey}x` },
    ];
    for (const headers of cases) expectError(await api(url, "/task", { body: TASK, headers }), "UNAUTHORIZED", 401);
    expectError(await api(url, `/task?api_key=${unknown}`, { body: TASK }), "UNAUTHORIZED", 401);
  });

  it("[AUTH-3] a revoked (deleted) token is refused at once, even after it was used", async () => {
    const token = await createToken(url, admin, ["task"]);
    expectSuccess(await api(url, "/task", { token: token.key, body: TASK }), 201);
    expectSuccess(await api(url, `/tokens/${token.id}`, { method: "DELETE", token: admin }));
    expectError(await api(url, "/task", { token: token.key, body: TASK }), "UNAUTHORIZED", 401);
  });

  it("[AUTH-4] a deactivated token is refused, and accepted again when reactivated", async () => {
    const token = await createToken(url, admin, ["task"]);
    expectSuccess(await api(url, "/task", { token: token.key, body: TASK }), 201);
    expectSuccess(await api(url, `/tokens/${token.id}`, { method: "PATCH", token: admin, body: { active: false } }));
    expectError(await api(url, "/task", { token: token.key, body: TASK }), "UNAUTHORIZED", 401);
    expectSuccess(await api(url, `/tokens/${token.id}`, { method: "PATCH", token: admin, body: { active: true } }));
    expectSuccess(await api(url, "/task", { token: token.key, body: TASK }), 201);
  });

  it("[AUTH-5] an expired token is refused, including one that expires after it was used", async () => {
    // A token cannot be created already expired (docs/SECURITY.md): that is a schema error.
    expectSchemaError(await api(url, "/tokens", { token: admin, body: { name: "past", endpoints: ["task"], expiresAt: new Date(Date.now() - 60_000).toISOString() } }), "expiresAt");
    const expiresAt = Date.now() + 2_000;
    const soon = await createToken(url, admin, ["task"], { expiresAt: new Date(expiresAt).toISOString() });
    expectSuccess(await api(url, "/task", { token: soon.key, body: TASK }), 201);
    await new Promise((r) => setTimeout(r, expiresAt - Date.now() + 250));
    expectError(await api(url, "/task", { token: soon.key, body: TASK }), "UNAUTHORIZED", 401);
  });

  it("[AUTH-6] a valid token without the scope gets 403 FORBIDDEN, not 401", async () => {
    const notifyOnly = await createToken(url, admin, ["notify"]);
    expectError(await api(url, "/task", { token: notifyOnly.key, body: TASK }), "FORBIDDEN", 403);
    expectError(await api(url, "/research", { token: notifyOnly.key, body: { action: "start_research", topic: "edge runtimes" } }), "FORBIDDEN", 403);
    expectError(await api(url, "/tokens", { token: taskKey }), "FORBIDDEN", 403);
    expectError(await api(url, "/tokens", { token: taskKey, body: { name: "escalate", endpoints: ["*"] } }), "FORBIDDEN", 403);
  });
});

describe("CORS", () => {
  it("[CORS-1] a preflight is answered without credentials, allowing the contract's methods and headers", async () => {
    const requested = ["content-type", "authorization", "x-api-key", "idempotency-key", "x-request-id"];
    const res = await api(url, "/task", {
      method: "OPTIONS",
      headers: { Origin: "https://app.example.com", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": requested.join(", ") },
    });
    expect([200, 204]).toContain(res.status);
    expect(["*", "https://app.example.com"]).toContain(res.headers.get("access-control-allow-origin"));
    const methods = (res.headers.get("access-control-allow-methods") ?? "").split(",").map((m) => m.trim().toUpperCase());
    for (const method of ["GET", "POST", "PATCH", "PUT", "DELETE"]) expect(methods).toContain(method);
    const allowed = (res.headers.get("access-control-allow-headers") ?? "").split(",").map((h) => h.trim().toLowerCase());
    for (const header of requested) expect(allowed).toContain(header);
  });

  it("[CORS-2] actual responses carry Allow-Origin and expose X-Request-ID and the rate-limit headers", async () => {
    for (const res of [await api(url, "/health", { headers: { Origin: "https://app.example.com" } }), await api(url, "/tokens", { headers: { Origin: "https://app.example.com" } })]) {
      expect(["*", "https://app.example.com"]).toContain(res.headers.get("access-control-allow-origin"));
      const exposed = (res.headers.get("access-control-expose-headers") ?? "").toLowerCase();
      for (const header of ["x-request-id", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after"]) expect(exposed).toContain(header);
    }
  });
});

describe("never HTML, never 500", () => {
  it("[HTML-1] garbage paths get a JSON error envelope (404, or the route's own 4xx)", async () => {
    const unrouted = ["/%", "/%E0%A4%A", "/..%2f..%2fetc%2fpasswd", "/task/%00/x/y", `/${"a".repeat(4000)}`, "/a%20b%3Cscript%3E"];
    for (const path of unrouted) {
      const res = await rawRequest(url, { path: `${BASE_PATH}${path}` });
      expectNotHtmlNor500(res);
      expectError(res, "NOT_FOUND", 404);
    }
    // Garbage inside a real route's parameter reaches that route: auth first, then its lookup.
    for (const id of ["%00", "%FF%FE", "..%2f..", "%E0%A4%A", "%3Cx%3E"]) {
      expectError(await rawRequest(url, { path: `${BASE_PATH}/task/${id}/status` }), "UNAUTHORIZED", 401);
      const res = await rawRequest(url, { path: `${BASE_PATH}/task/${id}/status`, headers: { Authorization: `Bearer ${taskKey}` } });
      expectNotHtmlNor500(res);
      expectError(res, "NOT_FOUND", 404);
    }
  });

  it("[HTML-2] unusual methods the runtime passes on get the JSON 405 envelope", async () => {
    for (const method of ["PROPFIND", "MKCOL", "PURGE", "LOCK"]) {
      const res = await rawRequest(url, { method, path: `${BASE_PATH}/task` });
      expectNotHtmlNor500(res);
      expectError(res, "METHOD_NOT_ALLOWED", 405);
    }
  });

  it("[HTML-3] huge and numerous headers do not break the envelope", async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 500; i++) many[`x-filler-${i}`] = "v".repeat(40);
    for (const headers of [{ "X-Big": "a".repeat(100_000) }, many, { Authorization: `Bearer ${"z".repeat(60_000)}` }]) {
      const res = await rawRequest(url, { path: `${BASE_PATH}/tokens`, headers });
      expectNotHtmlNor500(res);
      expectError(res, "UNAUTHORIZED", 401);
    }
  });

  it("[HTML-4] requests the runtime itself refuses (unknown method, raw < > in the URL, over-long URL) are still not HTML or 500", async () => {
    const refusals = [
      await rawRequest(url, { method: "BREW", path: `${BASE_PATH}/task` }),
      await rawRequest(url, { path: `${BASE_PATH}/<script>alert(1)</script>` }),
      await rawRequest(url, { path: `${BASE_PATH}/${"a".repeat(100_000)}` }),
    ];
    for (const res of refusals) {
      expectNotHtmlNor500(res);
      expect(res.status).toBeGreaterThanOrEqual(400);
    }
  });
});
