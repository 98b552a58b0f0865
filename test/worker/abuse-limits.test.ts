// Abuse protection through the real Worker: per-IP and per-source limits on POST /sources/:provider, slow-down, and failed authentication per IP.
import { describe, expect, it } from "vitest";
import { call, createToken } from "./helpers";
import { sign } from "./source-signing";

const GITHUB_SECRET = "gh-secret-new"; // a Worker secret in vitest.workers.config.ts
let sequence = 0;

/** A validly signed GitHub delivery (a fresh delivery id each time) from `ip`, under `vars`. */
async function githubFrom(ip: string, vars: Record<string, string>) {
  const body = JSON.stringify({ ref: "refs/heads/main", n: ++sequence });
  const headers = { "Content-Type": "application/json", "CF-Connecting-IP": ip, ...(await sign.github(GITHUB_SECRET, body, "push", `abuse-${Date.now()}-${sequence}`)) };
  return call("/sources/github", { token: null, rawBody: body, headers, vars });
}

const NO_SLOWDOWN = { RATE_LIMIT_SLOWDOWN_MAX_MS: "0" };

describe("per-IP limit on the unauthenticated source route", () => {
  it("admits the IP's limit per minute, then 429 at the ip level; other IPs are not affected", async () => {
    const vars = { ...NO_SLOWDOWN, RATE_LIMIT_IP_PER_MINUTE: "3" };
    for (const remaining of ["2", "1", "0"]) {
      const res = await githubFrom("198.51.100.10", vars);
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get("X-RateLimit-Remaining")).toBe(remaining);
    }
    const refused = await githubFrom("198.51.100.10", vars);
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ code: "RATE_LIMITED", retryable: true, details: { level: "ip", limit: 3, window: "minute" } });
    expect(refused.json.retryAfter).toBeGreaterThanOrEqual(1);
    expect(refused.json.retryAfter).toBeLessThanOrEqual(61);
    expect(refused.headers.get("Retry-After")).toBe(String(refused.json.retryAfter));
    expect((await githubFrom("198.51.100.11", vars)).status).toBe(200);
  });
});

describe("per-source limit", () => {
  it("uses the source's own limit (RATE_LIMIT_SOURCES) across every IP, then 429 at the source level", async () => {
    // Only this test posts to linear: unsigned requests get 401, but they count at the source level first.
    expect((await call("/sources/linear", { method: "PUT", body: { secret: "lin_wh_abuse_test_secret" } })).status).toBe(200);
    const vars = { ...NO_SLOWDOWN, RATE_LIMIT_SOURCES: "linear=2", RATE_LIMIT_KEYED_SHARDS: "4" };
    const linearFrom = (ip: string) => call("/sources/linear", { token: null, rawBody: "{}", headers: { "Content-Type": "application/json", "CF-Connecting-IP": ip }, vars });
    expect((await linearFrom("198.51.100.20")).status).toBe(401);
    const second = await linearFrom("198.51.100.21");
    expect(second.status).toBe(401);
    expect(second.headers.get("X-RateLimit-Remaining")).toBe("0");
    const refused = await linearFrom("198.51.100.22");
    expect(refused.status).toBe(429);
    expect(refused.json.details).toMatchObject({ level: "source", limit: 2, window: "minute" });
  });

  it("slows answers down progressively past the soft share, before the hard 429", async () => {
    // The slow-down is decided per level from its count after admission: with limit 4 and soft 0.5, the
    // 3rd and 4th requests of the IP wait 200 and 400 ms.
    const vars = { RATE_LIMIT_IP_PER_MINUTE: "4", RATE_LIMIT_SLOWDOWN_SOFT: "0.5", RATE_LIMIT_SLOWDOWN_MAX_MS: "400" };
    const timed = async () => {
      const started = Date.now();
      const res = await githubFrom("198.51.100.30", vars);
      return { status: res.status, ms: Date.now() - started };
    };
    const answers = [await timed(), await timed(), await timed(), await timed(), await timed()];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 429]);
    expect(answers[2]!.ms).toBeGreaterThanOrEqual(200);
    expect(answers[3]!.ms).toBeGreaterThanOrEqual(400);
  });
});

describe("failed authentication per IP", () => {
  it("after N failures a minute, further attempts from that IP get 429 before any token lookup", async () => {
    const vars = { AUTH_FAILURES_PER_MINUTE: "3" };
    const ip = { "CF-Connecting-IP": "203.0.113.40" };
    const valid = await createToken(["tokens"]); // made without an IP: not counted
    for (let i = 0; i < 3; i++) {
      const res = await call("/tokens", { token: `ehk_guess_${i}_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`, headers: ip, vars });
      expect(res.status).toBe(401);
    }
    const blocked = await call("/tokens", { token: "ehk_guess_4_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", headers: ip, vars });
    expect(blocked.status).toBe(429);
    expect(blocked.json).toMatchObject({ code: "RATE_LIMITED", details: { level: "ip", limit: 3, window: "minute", reason: "auth_failures" } });
    // Even a valid key is not looked up from that IP now (it is not in this isolate's token cache).
    expect((await call("/tokens", { token: valid.key, headers: ip, vars })).status).toBe(429);
    // Missing credentials from that IP are refused the same way; another IP is unaffected.
    expect((await call("/tokens", { token: null, headers: ip, vars })).status).toBe(429);
    expect((await call("/tokens", { token: valid.key, headers: { "CF-Connecting-IP": "203.0.113.41" }, vars })).status).toBe(200);
  });

  it("bad source signatures count as failed authentications of the IP", async () => {
    const vars = { AUTH_FAILURES_PER_MINUTE: "2" };
    const bad = (n: number) =>
      call("/sources/github", {
        token: null,
        rawBody: JSON.stringify({ n }),
        headers: { "Content-Type": "application/json", "CF-Connecting-IP": "203.0.113.50", "X-GitHub-Event": "push", "X-Hub-Signature-256": `sha256=${"0".repeat(64)}` },
        vars,
      });
    expect((await bad(1)).json.code).toBe("SIGNATURE_INVALID");
    expect((await bad(2)).json.code).toBe("SIGNATURE_INVALID");
    const third = await bad(3);
    expect(third.status).toBe(429);
    expect(third.json.details).toMatchObject({ level: "ip", reason: "auth_failures" });
  });
});
