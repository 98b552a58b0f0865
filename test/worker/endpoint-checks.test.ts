// Endpoint routes through the real Worker: the destination guard applies to health probes and
// verification, signing and verification fields validate, queue destinations are refused, and the
// stats show the adaptive rate.
import { describe, expect, it } from "vitest";
import { call } from "./helpers";
import { received, RECEIVER } from "./receiver";

const NO_PRIVATE = { ALLOW_PRIVATE_DESTINATIONS: "false" };

async function subscribe(body: Record<string, unknown>) {
  const res = await call("/subscriptions", { body: { events: ["checks.*"], ...body } });
  expect(res.status, res.text).toBe(201);
  return res.json.data;
}

describe("destination guard", () => {
  it("refuses to probe or verify a private address once private destinations are not allowed, sending nothing", async () => {
    const sub = await subscribe({ url: `${RECEIVER}/checks/guarded` });
    const probe = await call(`/subscriptions/${sub.id}/health`, { vars: NO_PRIVATE });
    expect(probe.status).toBe(422);
    expect(probe.json).toMatchObject({ success: false, code: "UNPROCESSABLE" });
    expect(probe.json.error).toContain("loopback");
    const verify = await call(`/subscriptions/${sub.id}/verify`, { method: "POST", vars: NO_PRIVATE });
    expect(verify.status).toBe(200);
    expect(verify.json.data).toMatchObject({ verified: false, statusCode: null });
    expect(verify.json.data.error).toContain("loopback");
    expect(await received("/checks/guarded")).toEqual([]);
    expect((await call(`/subscriptions/${sub.id}`)).json.data).toMatchObject({ verified: false, lastHealthCheck: null });
  });

  it("probes an allowed endpoint and keeps the result", async () => {
    const sub = await subscribe({ url: `${RECEIVER}/status/404/checks/probe` });
    const probe = await call(`/subscriptions/${sub.id}/health`);
    expect(probe.json.data).toMatchObject({ status: "unhealthy", responseCode: 404 });
    expect((await received("/status/404/checks/probe")).map((r) => r.method)).toEqual(["HEAD"]);
  });
});

describe("validation and destinations", () => {
  it("refuses an unknown signing scheme and a non-boolean requireVerification with the schema envelope", async () => {
    const bad = await call("/subscriptions", { body: { url: `${RECEIVER}/checks/x`, events: ["a.*"], signing: { scheme: "rsa" } } });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: "SCHEMA_VALIDATION_ERROR", details: { field: "signing.scheme" } });
    const flag = await call("/subscriptions", { body: { url: `${RECEIVER}/checks/x`, events: ["a.*"], requireVerification: "yes" } });
    expect(flag.json).toMatchObject({ code: "SCHEMA_VALIDATION_ERROR", details: { field: "requireVerification" } });
  });

  it("answers 422 for verify and health on a queue destination, 404 for an unknown subscription", async () => {
    const sub = await subscribe({ destination: { type: "queue", queue: "edgehook-destination-test" } });
    expect((await call(`/subscriptions/${sub.id}/verify`, { method: "POST" })).status).toBe(422);
    expect((await call(`/subscriptions/${sub.id}/health`)).status).toBe(422);
    for (const path of ["/health", "/public-key"]) expect((await call(`/subscriptions/sub-nope000000000000${path}`)).status).toBe(404);
  });

  it("keeps the Ed25519 key when switching back to hmac and shows the adaptive rate in stats", async () => {
    const sub = await subscribe({ url: `${RECEIVER}/checks/keys`, signing: { scheme: "ed25519" }, rateLimit: 20 });
    const back = await call(`/subscriptions/${sub.id}`, { method: "PATCH", body: { signing: { scheme: "hmac" } } });
    expect(back.json.data.signing).toEqual({ scheme: "hmac", publicKey: sub.signing.publicKey });
    expect((await call(`/subscriptions/${sub.id}/public-key`)).json.data).toEqual({ publicKey: sub.signing.publicKey });
    const stats = (await call(`/subscriptions/${sub.id}/stats`)).json.data;
    expect(stats).toMatchObject({ currentRate: 20, throttled: false });
  });
});
