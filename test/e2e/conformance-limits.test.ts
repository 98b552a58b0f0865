// Conformance under non-default settings, each on its own `wrangler dev`: a small body limit with
// restricted CORS origins, and an IP allowlist. Scenario ids are mapped in docs/CONFORMANCE.md.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../../scripts/wrangler-dev.mjs";
import { api, BASE_PATH, createToken, expectError, expectSuccess, rawRequest } from "./client.ts";

const LIMIT = 1024;
const ORIGIN = "https://app.example.com";
const TASK = { action: "add_task", task: "conformance task number one", priority: "medium" };

/** A POST /task body of exactly `size` bytes (valid JSON padded with trailing spaces). */
function taskBodyOfSize(size: number): string {
  const json = JSON.stringify(TASK);
  return json + " ".repeat(size - json.length);
}

describe("small body limit and restricted CORS origins", () => {
  let gateway: WranglerDev;
  let key: string;
  beforeAll(async () => {
    gateway = await startWranglerDev({ vars: { BODY_LIMIT_BYTES: String(LIMIT), CORS_ORIGINS: ORIGIN } });
    key = (await createToken(gateway.url, gateway.adminToken, ["task"])).key;
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it("[LIMIT-1] a chunked body without Content-Length is refused with 413 before the body is complete", async () => {
    // Just over the limit is sent (so the gateway has read every byte it was sent when it answers:
    // unread bytes make the socket close with a reset that can cut the answer short), then the
    // chunked body is held open (no final chunk) for up to 20 s: a gateway that waited for the
    // whole body could only answer after that.
    const res = await rawRequest(gateway.url, {
      method: "POST",
      path: `${BASE_PATH}/task`,
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      stream: { first: '{"action":"add_task","task":"', size: LIMIT + 512, chunkSize: 512, intervalMs: 5, holdOpenMs: 20_000 },
    });
    const body = expectError(res, "PAYLOAD_TOO_LARGE", 413);
    expect(body.retryable).toBe(false);
    expect(res.bodyComplete).toBe(false);
  });

  it("[LIMIT-2] a body declared larger than the limit by Content-Length gets 413", async () => {
    const res = await api(gateway.url, "/task", { token: key, rawBody: taskBodyOfSize(LIMIT + 1), headers: { "Content-Type": "application/json" } });
    expectError(res, "PAYLOAD_TOO_LARGE", 413);
  });

  it("[LIMIT-3] a body of exactly the limit passes the gate, streamed or not", async () => {
    const exact = taskBodyOfSize(LIMIT);
    expectSuccess(await api(gateway.url, "/task", { token: key, rawBody: exact, headers: { "Content-Type": "application/json" } }), 201);
    const json = JSON.stringify(TASK);
    const streamed = await rawRequest(gateway.url, {
      method: "POST",
      path: `${BASE_PATH}/task`,
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      stream: { first: json, size: LIMIT - json.length, chunkSize: 1 },
    });
    expect(streamed.status, streamed.text).toBe(201);
    const over = await rawRequest(gateway.url, {
      method: "POST",
      path: `${BASE_PATH}/task`,
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      stream: { first: json, size: LIMIT - json.length + 1, chunkSize: 1 },
    });
    expectError(over, "PAYLOAD_TOO_LARGE", 413);
  });

  it("[CORS-3] only the configured origin is allowed, on preflight and on actual responses", async () => {
    const preflight = (origin: string) =>
      api(gateway.url, "/task", { method: "OPTIONS", headers: { Origin: origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type, authorization" } });
    expect((await preflight(ORIGIN)).headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect((await preflight("https://evil.example.net")).headers.get("access-control-allow-origin")).toBeNull();
    const allowed = await api(gateway.url, "/health", { headers: { Origin: ORIGIN } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(allowed.headers.get("vary") ?? "").toMatch(/origin/i);
    const other = await api(gateway.url, "/health", { headers: { Origin: "https://evil.example.net" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("IP allowlist", () => {
  const ALLOWLIST = "203.0.113.0/24,2001:db8::/32";
  let gateway: WranglerDev;
  let key: string;
  beforeAll(async () => {
    gateway = await startWranglerDev({ vars: { IP_ALLOWLIST: ALLOWLIST }, readyHeaders: { "CF-Connecting-IP": "203.0.113.1" } });
    const res = await api(gateway.url, "/tokens", {
      token: gateway.adminToken,
      body: { name: "e2e", endpoints: ["task"] },
      headers: { "CF-Connecting-IP": "203.0.113.1" },
    });
    key = expectSuccess(res, 201).key;
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it("[IP-1] addresses inside the list (IPv4, IPv6, IPv4-mapped IPv6) are served", async () => {
    for (const ip of ["203.0.113.77", "203.0.113.255", "2001:db8::1", "2001:db8:ffff::abcd", "::ffff:203.0.113.5"]) {
      expectSuccess(await api(gateway.url, "/health", { headers: { "CF-Connecting-IP": ip } }));
      expectSuccess(await api(gateway.url, "/task", { token: key, body: TASK, headers: { "CF-Connecting-IP": ip } }), 201);
    }
  });

  it("[IP-2] addresses outside the list get 403 IP_NOT_ALLOWED on every route, valid credentials or not", async () => {
    for (const ip of ["198.51.100.7", "203.0.114.1", "2001:db9::1", "::1", "127.0.0.1"]) {
      expectError(await api(gateway.url, "/health", { headers: { "CF-Connecting-IP": ip } }), "IP_NOT_ALLOWED", 403);
      expectError(await api(gateway.url, "/task", { token: key, body: TASK, headers: { "CF-Connecting-IP": ip } }), "IP_NOT_ALLOWED", 403);
      expectError(await api(gateway.url, "/tokens", { token: gateway.adminToken, headers: { "CF-Connecting-IP": ip } }), "IP_NOT_ALLOWED", 403);
    }
    // Without the header the local runtime supplies the loopback address, which is outside the list.
    expectError(await api(gateway.url, "/health"), "IP_NOT_ALLOWED", 403);
  });

  it("[IP-3] an unparseable CF-Connecting-IP is refused as IP_NOT_ALLOWED, not FORBIDDEN", async () => {
    for (const ip of ["garbage", "203.0.113", "203.0.113.1, 10.0.0.1", "999.999.999.999", "2001:db8::zz"]) {
      expectError(await api(gateway.url, "/health", { headers: { "CF-Connecting-IP": ip } }), "IP_NOT_ALLOWED", 403);
    }
  });
});
