// Inspectors (request bins) through the real Worker: capture of any method and path, 256 KB cap, pagination, keep-newest-500, rate limits, deletion.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { INSPECTOR_BODY_LIMIT, INSPECTOR_KEEP } from "../../src/inspector/capture";
import { TenantDb } from "../../src/tenants/tenant-db";
import { recordRequest } from "../../src/inspector/repository";
import { BASE, call, createToken } from "./helpers";

async function inspector(name?: string) {
  const res = await call("/inspectors", name ? { body: { name } } : { method: "POST" });
  expect(res.status, res.text).toBe(201);
  return res.json.data as { id: string; url: string; name: string | null };
}

/** Sends a request to the capture url (no auth), optionally with other Worker vars. */
function send(path: string, init: { method?: string; body?: BodyInit; headers?: Record<string, string>; vars?: Record<string, string> } = {}) {
  return call(path, { token: null, method: init.method ?? "POST", ...(init.body !== undefined ? { rawBody: init.body } : {}), headers: init.headers ?? {}, ...(init.vars ? { vars: init.vars } : {}) });
}

describe("inspectors", () => {
  it("take an optional JSON body {name}, checked like any body", async () => {
    expect((await inspector()).name).toBeNull();
    expect((await inspector("named")).name).toBe("named");
    const empty = await call("/inspectors", { method: "POST", headers: { "Content-Type": "application/json" } });
    expect(empty.status, empty.text).toBe(201);
    for (const body of [{ name: 7 }, { name: "x".repeat(201) }, { name: "  " }]) {
      const bad = await call("/inspectors", { body });
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.json.code).toBe("SCHEMA_VALIDATION_ERROR");
    }
  });
  it("records any method and path below /inspect/:id, newest first, and answers {received: true}", async () => {
    const bin = await inspector("stripe tests");
    expect(bin.id).toMatch(/^insp_/);
    expect(bin.url).toBe(`${new URL(BASE).origin}/webhooks/v2/inspect/${bin.id}`);
    const posted = await send(`/inspect/${bin.id}`, { body: JSON.stringify({ a: 1 }), headers: { "Content-Type": "application/json", "X-Custom": "yes", "CF-Connecting-IP": "203.0.113.9" } });
    expect(posted.status).toBe(200);
    expect(posted.json.received).toBe(true);
    expect((await send(`/inspect/${bin.id}/deep/path?x=1&y=2`, { method: "PUT", body: "plain text" })).status).toBe(200);
    expect((await send(`/inspect/${bin.id}/bin`, { body: new Uint8Array([0xff, 0xfe, 0x00, 0x01]) })).status).toBe(200);
    expect((await send(`/inspect/${bin.id}`, { method: "GET" })).status).toBe(200);
    const list = await call(`/inspectors/${bin.id}/requests?limit=3`);
    expect(list.status).toBe(200);
    const [get, binary, put] = list.json.data.items;
    expect(get).toMatchObject({ method: "GET", path: "/", body: "" });
    expect(binary).toMatchObject({ path: "/bin", bodyEncoding: "base64", body: btoa(String.fromCharCode(0xff, 0xfe, 0x00, 0x01)), bodySize: 4 });
    expect(put).toMatchObject({ method: "PUT", path: "/deep/path", query: "x=1&y=2", body: "plain text", bodyEncoding: "utf8", truncated: false });
    const rest = await call(`/inspectors/${bin.id}/requests?limit=3&cursor=${list.json.data.nextCursor}`);
    const [first] = rest.json.data.items;
    expect(rest.json.data.nextCursor).toBeNull();
    expect(first).toMatchObject({ method: "POST", body: '{"a":1}', sourceIp: "203.0.113.9" });
    expect(first.headers["x-custom"]).toBe("yes");
    const one = await call(`/inspectors/${bin.id}/requests/${first.id}`);
    expect(one.json.data).toEqual(first);
    expect((await call("/inspectors")).json.data.items.map((i: any) => i.id)).toContain(bin.id);
  });

  it("keeps the first 256 KB of a body and says how large it was", async () => {
    const bin = await inspector();
    const big = "x".repeat(INSPECTOR_BODY_LIMIT + 1000);
    expect((await send(`/inspect/${bin.id}`, { body: big })).status).toBe(200);
    const [request] = (await call(`/inspectors/${bin.id}/requests`)).json.data.items;
    expect(request.body.length).toBe(INSPECTOR_BODY_LIMIT);
    expect(request).toMatchObject({ bodySize: INSPECTOR_BODY_LIMIT + 1000, truncated: true });
  });

  it("answers 404 for an unknown or deleted id, and the API needs the subscriptions scope", async () => {
    expect((await send("/inspect/insp_doesnotexist")).status).toBe(404);
    expect((await send("/inspect/nonsense")).json.code).toBe("NOT_FOUND");
    const bin = await inspector();
    expect((await call(`/inspectors/${bin.id}`, { method: "DELETE" })).status).toBe(200);
    expect((await send(`/inspect/${bin.id}`)).status).toBe(404);
    expect((await call(`/inspectors/${bin.id}/requests`)).status).toBe(404);
    const token = await createToken(["task"]);
    expect((await call("/inspectors", { token: token.key, method: "POST" })).status).toBe(403);
  });

  it("keeps the newest 500 per inspector", async () => {
    const bin = await inspector();
    const base = { method: "POST", query: "", headers: {}, body: "", bodyEncoding: "utf8" as const, bodySize: 0, truncated: false, sourceIp: null };
    for (let i = 0; i < INSPECTOR_KEEP + 5; i++) await recordRequest(TenantDb.all(env.DB), bin.id, { ...base, path: `/${i}` }, Date.now());
    const { n } = (await env.DB.prepare("SELECT COUNT(*) AS n FROM inspector_requests WHERE inspector_id = ?").bind(bin.id).first<{ n: number }>())!;
    expect(n).toBe(INSPECTOR_KEEP);
    const [newest] = (await call(`/inspectors/${bin.id}/requests?limit=1`)).json.data.items;
    expect(newest.path).toBe(`/${INSPECTOR_KEEP + 4}`);
    const oldest = await env.DB.prepare("SELECT path FROM inspector_requests WHERE inspector_id = ? ORDER BY id LIMIT 1").bind(bin.id).first<{ path: string }>();
    expect(oldest!.path).toBe("/5");
  });

  it("is rate-limited per inspector and per source IP", async () => {
    const vars = { INSPECTOR_LIMIT_PER_MINUTE: "3", RATE_LIMIT_IP_PER_MINUTE: "1000", RATE_LIMIT_SLOWDOWN_MAX_MS: "0" };
    const bin = await inspector();
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await send(`/inspect/${bin.id}`, { headers: { "CF-Connecting-IP": `198.51.100.${i}` }, vars })).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const ipVars = { INSPECTOR_LIMIT_PER_MINUTE: "1000", RATE_LIMIT_IP_PER_MINUTE: "2", RATE_LIMIT_SLOWDOWN_MAX_MS: "0" };
    const other = await inspector();
    const third = await inspector();
    const ip = { "CF-Connecting-IP": "192.0.2.77" };
    expect((await send(`/inspect/${other.id}`, { headers: ip, vars: ipVars })).status).toBe(200);
    expect((await send(`/inspect/${third.id}`, { headers: ip, vars: ipVars })).status).toBe(200);
    const refused = await send(`/inspect/${third.id}`, { headers: ip, vars: ipVars });
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ code: "RATE_LIMITED", retryable: true });
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect((await send(`/inspect/${third.id}`, { headers: { "CF-Connecting-IP": "192.0.2.78" }, vars: ipVars })).status).toBe(200);
  });
});
