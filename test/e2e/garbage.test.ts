// Every documented route, fed garbage over real HTTP: never a 500, never HTML, always the error envelope.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../../scripts/wrangler-dev.mjs";
import { api } from "./client.ts";

// Its own gateway: hundreds of garbage requests would spend the shared gateway's burst allowance
// (and the provider configuration below would change its state for other files).
let gateway: WranglerDev;
let url: string;
let admin: string;

beforeAll(async () => {
  gateway = await startWranglerDev({ vars: { RATE_LIMITS_ENABLED: "false", LOG_REQUESTS: "false" } });
  url = gateway.url;
  admin = gateway.adminToken;
});

afterAll(async () => {
  await gateway?.stop();
});

/** Bodies no route accepts as valid, each a different kind of wrong. */
const GARBAGE_BODIES: { name: string; rawBody: string; contentType?: string }[] = [
  { name: "null", rawBody: "null" },
  { name: "a string", rawBody: '"hello"' },
  { name: "a number", rawBody: "1e400" },
  { name: "an array", rawBody: "[1, {\"a\": []}]" },
  { name: "deep nesting", rawBody: `${"[".repeat(5000)}${"]".repeat(5000)}` },
  { name: "wrong types", rawBody: JSON.stringify({ action: 5, task: { x: 1 }, url: 7, events: "x", priority: null, status: [], report: null, name: 9, endpoints: {} }) },
  { name: "huge strings", rawBody: JSON.stringify({ task: "x".repeat(200_000), url: `https://${"a".repeat(5000)}.test`, events: ["*"] }) },
  { name: "unicode and NUL", rawBody: JSON.stringify({ task: "\u0000\ud83d\ude00 naïve ✓ \u202e", name: "\u0000", url: "https://例え.テスト/\u0000" }) },
  { name: "truncated JSON", rawBody: '{"action": "add_task", "task": "abc' },
  { name: "form body", rawBody: "a=1&b=2", contentType: "application/x-www-form-urlencoded" },
];

/** Fills `{param}` path segments with a value that names nothing. */
const fill = (path: string) => path.replace(/\{[^}]+\}/g, "does-not-exist%20%00");

describe("garbage against every route", () => {
  it("answers every route and method with JSON and no 5xx", async () => {
    const doc = (await api(url, "/openapi.json")).json as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => ({ path: fill(path).replace(/^\/webhooks\/v2/, ""), method: method.toUpperCase() })));
    expect(routes.length).toBeGreaterThan(40);
    // Configure every provider so garbage reaches signature verification (401), not the 503 of an unconfigured source.
    for (const provider of ["github", "stripe", "slack", "linear", "shopify", "standard", "generic"]) {
      const secret = provider === "standard" ? "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" : "garbage-test-secret-0123456789";
      const put = await api(url, `/sources/${provider}`, { method: "PUT", token: admin, body: provider === "generic" ? { secret, header: "X-Signature" } : { secret } });
      expect(put.status, put.text).toBe(200);
      routes.push({ path: `/sources/${provider}`, method: "POST" });
    }
    const failures: string[] = [];
    for (const route of routes) {
      if (route.path === "/events" && route.method === "GET") continue; // the stream stays open by design; covered by event-stream tests
      const cases = route.method === "GET" || route.method === "DELETE" ? [{ name: "query garbage", rawBody: undefined as string | undefined, contentType: undefined as string | undefined }] : GARBAGE_BODIES;
      for (const c of cases) {
        const res = await api(url, `${route.path}${route.method === "GET" ? "?limit=-1&cursor=%00&status=nope&since=yesterday&filter=%3Cscript%3E&format=xml" : ""}`, {
          method: route.method,
          token: admin,
          rawBody: c.rawBody,
          headers: c.rawBody === undefined ? {} : { "Content-Type": c.contentType ?? "application/json" },
        });
        const label = `${route.method} ${route.path} with ${c.name}: ${res.status}`;
        if (res.status >= 500) failures.push(`${label} ${res.text.slice(0, 200)}`);
        else if (!(res.headers.get("content-type") ?? "").includes("json") && res.status !== 204) failures.push(`${label} content-type ${res.headers.get("content-type")}`);
        else if (res.status >= 400 && (res.json?.success !== false || typeof res.json?.code !== "string")) failures.push(`${label} not an error envelope`);
      }
    }
    expect(failures).toEqual([]);
  });
});
