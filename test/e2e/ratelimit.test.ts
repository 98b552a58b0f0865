// Rate-limit exactness over real HTTP: a token limited to N gets exactly N of 3N concurrent requests through; refusals consume nothing elsewhere.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev } from "../../scripts/wrangler-dev.mjs";

type Gateway = Awaited<ReturnType<typeof startWranglerDev>>;

const N = 20;
const CONNECTIONS = 50;
const ENDPOINT_LIMIT = 5000;
let gateway: Gateway;

/** The bucket covers the whole hour, so the hourly windows are what binds (exactly N). */
const VARS = {
  RATE_LIMIT_BURST_PERIOD_SECONDS: "3600",
  RATE_LIMIT_ENDPOINTS: `task=${ENDPOINT_LIMIT},notify=5000,research=1000`,
  // The abuse test below sends from its own CF-Connecting-IP addresses (wrangler dev passes the header on).
  AUTH_FAILURES_PER_MINUTE: "5",
  RATE_LIMIT_IP_PER_MINUTE: "4",
  RATE_LIMIT_SLOWDOWN_MAX_MS: "0",
};

async function createToken(rateLimit: number): Promise<string> {
  const res = await fetch(`${gateway.url}/webhooks/v2/tokens`, {
    method: "POST",
    headers: { Authorization: `Bearer ${gateway.adminToken}`, "Content-Type": "application/json" },
    body: JSON.stringify({ name: `ratelimit-e2e-${rateLimit}`, endpoints: ["task"], rateLimit }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { data: { key: string } }).data.key;
}

function postTask(key: string, headers: Record<string, string> = {}, task = "rate limit exactness probe") {
  return fetch(`${gateway.url}/webhooks/v2/task`, {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", ...headers },
    body: JSON.stringify({ action: "add_task", task }),
  });
}

/** Sends `total` requests made by `send` over `connections` concurrent loops; returns the responses. */
async function fire(total: number, connections: number, send: () => Promise<Response>) {
  const results: { status: number; body: any; headers: Headers }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < total) {
        next++;
        const res = await send();
        results.push({ status: res.status, body: await res.json(), headers: res.headers });
      }
    }),
  );
  return results;
}

beforeAll(async () => {
  gateway = await startWranglerDev({ vars: VARS });
});

afterAll(async () => {
  await gateway?.stop();
});

describe("rate-limit exactness over HTTP", () => {
  it(`a token limited to ${N}/h gets exactly ${N} of ${3 * N} requests over ${CONNECTIONS} concurrent connections`, async () => {
    const key = await createToken(N);
    const results = await fire(3 * N, CONNECTIONS, () => postTask(key));
    const admitted = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 429);
    expect(results).toHaveLength(3 * N);
    expect(admitted).toHaveLength(N);
    expect(refused).toHaveLength(2 * N);
    expect(new Set(admitted.map((r) => r.body.data.id)).size).toBe(N);
    for (const r of refused) {
      expect(r.body).toMatchObject({ code: "RATE_LIMITED", retryable: true, details: { level: "token", limit: N } });
      expect(Number(r.headers.get("Retry-After"))).toBe(r.body.retryAfter);
      expect(r.headers.get("X-RateLimit-Remaining")).toBe("0");
    }

    // The 2N refusals were counted at the endpoint level too, then released: another token sees
    // exactly the N admitted requests there (releases finish after the responses, so poll briefly).
    const other = await createToken(100_000);
    const seen: number[] = [];
    for (let probe = 1; probe <= 20; probe++) {
      const res = await postTask(other);
      expect(res.status).toBe(201);
      expect(res.headers.get("X-RateLimit-Limit")).toBe(String(ENDPOINT_LIMIT));
      seen.push(Number(res.headers.get("X-RateLimit-Remaining")));
      // At the endpoint: the N admitted requests and the probes so far, nothing from the refusals.
      if (seen.at(-1) === ENDPOINT_LIMIT - N - probe) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen.at(-1)).toBe(ENDPOINT_LIMIT - N - seen.length);
  });

  it("fifty concurrent requests with one Idempotency-Key create one task", async () => {
    const key = await createToken(1000);
    const results = await fire(50, CONNECTIONS, () => postTask(key, { "Idempotency-Key": "e2e-one-task" }, "one task for fifty requests"));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
    expect(new Set(results.map((r) => r.body.data.id)).size).toBe(1);
    expect(results.filter((r) => r.headers.get("Idempotent-Replayed") === "true")).toHaveLength(49);
    // The 49 replays counted nothing: the token's next request sees 1000 - 2.
    const next = await postTask(key);
    expect(next.status).toBe(201);
    expect(next.headers.get("X-RateLimit-Remaining")).toBe("998");
  });
});

describe("abuse protection over HTTP", () => {
  it("failed authentications per IP: after 5 a minute, 429 before any token lookup, even for a valid key; other IPs unaffected", async () => {
    const valid = await createToken(1000);
    const from = (ip: string, key: string) => fetch(`${gateway.url}/webhooks/v2/task`, { method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", "CF-Connecting-IP": ip }, body: "{}" });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await from("192.0.2.77", `ehk_guess_${i}_0000000000000000000000000000000000`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    const blocked = await from("192.0.2.77", valid);
    expect(blocked.status).toBe(429);
    expect(await blocked.json()).toMatchObject({ code: "RATE_LIMITED", details: { level: "ip", reason: "auth_failures" } });
    expect((await from("192.0.2.78", valid)).status).toBe(400); // admitted: the empty body is the schema's 400
  });

  it("per-IP limit on /sources/*: 4 a minute from one address, then 429 at the ip level", async () => {
    const post = (ip: string) => fetch(`${gateway.url}/webhooks/v2/sources/github`, { method: "POST", headers: { "Content-Type": "application/json", "CF-Connecting-IP": ip }, body: "{}" });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await post("192.0.2.90")).status);
    // github has no secret on this gateway: admitted requests get 503 (the limit is checked first).
    expect(statuses).toEqual([503, 503, 503, 503, 429]);
    expect((await post("192.0.2.91")).status).toBe(503);
  });
});
