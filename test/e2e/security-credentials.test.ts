// Stored outbound credentials never follow a url to another origin, header values are write-only, and
// no header source produces a second gateway header: through a real `wrangler dev` and real receivers.
import { afterEach, describe, expect, inject, it } from "vitest";
import { eventually, gatewayClient } from "./delivery-helpers.ts";
import { startReceiver, type Receiver } from "./receiver.ts";

const api = gatewayClient(inject("gatewayUrl"), inject("adminToken"));
const receivers: Receiver[] = [];

afterEach(async () => {
  while (receivers.length) await receivers.pop()!.close();
});

async function receiver() {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

describe("credentials and a changed url", () => {
  it("drops stored auth and headers when the origin changes (and says so); /test then carries none of them", async () => {
    const owner = await receiver();
    const attacker = await receiver();
    const created = await api("/subscriptions", {
      body: { url: `${owner.url}/hook`, events: ["sec.*"], auth: { type: "basic", username: "svc", password: "hunter2" }, headers: { "X-Auth": "owner-secret" } },
    });
    expect(created.status).toBe(201);
    const id = created.json.data.id;
    expect(created.json.data.headers).toEqual({ "X-Auth": "********" });

    const sameOrigin = await api(`/subscriptions/${id}`, { method: "PATCH", body: { url: `${owner.url}/other` } });
    expect(sameOrigin.status).toBe(200);
    expect(sameOrigin.json.data.droppedCredentials).toBeUndefined();
    expect(sameOrigin.json.data.auth).toEqual({ type: "basic", username: "svc" });

    const moved = await api(`/subscriptions/${id}`, { method: "PATCH", body: { url: `${attacker.url}/steal` } });
    expect(moved.status).toBe(200);
    expect(moved.json.data.droppedCredentials).toEqual(["auth", "headers"]);
    expect(moved.json.data.auth).toEqual({ type: "none" });
    expect(moved.json.data.headers).toEqual({});

    const test = await api(`/subscriptions/${id}/test`, { method: "POST" });
    expect(test.status).toBe(200);
    const [req] = await attacker.waitFor(1);
    expect(req!.headers.authorization).toBeUndefined();
    expect(req!.headers["x-auth"]).toBeUndefined();
    expect(JSON.stringify(req!.headers)).not.toContain("hunter2");
  });

  it("keeps credentials the request supplies again, and refuses a masked value for a new origin", async () => {
    const a = await receiver();
    const b = await receiver();
    const created = await api("/subscriptions", { body: { url: `${a.url}/hook`, events: ["sec.*"], headers: { "X-Auth": "v1" } } });
    const id = created.json.data.id;
    const masked = await api(`/subscriptions/${id}`, { method: "PATCH", body: { url: `${b.url}/hook`, headers: { "X-Auth": "********" } } });
    expect(masked.status).toBe(400);
    expect(masked.json).toMatchObject({ code: "SCHEMA_VALIDATION_ERROR", details: { field: "headers.X-Auth" } });
    const resupplied = await api(`/subscriptions/${id}`, { method: "PATCH", body: { url: `${b.url}/hook`, headers: { "X-Auth": "v2" }, auth: { type: "bearer", token: "t2" } } });
    expect(resupplied.status).toBe(200);
    expect(resupplied.json.data.droppedCredentials).toBeUndefined();
    await api(`/subscriptions/${id}/test`, { method: "POST" });
    const [req] = await b.waitFor(1);
    expect(req!.headers).toMatchObject({ "x-auth": "v2", authorization: "Bearer t2" });
  });
});

describe("write-only header values", () => {
  it("shows names with masked values, delivers the real value, and keeps it when the mask is sent back", async () => {
    const r = await receiver();
    const created = await api("/subscriptions", { body: { url: `${r.url}/hook`, events: ["sec.*"], headers: { Authorization: "Token abc", "X-Env": "prod" } } });
    const id = created.json.data.id;
    const read = await api(`/subscriptions/${id}`);
    expect(read.json.data.headers).toEqual({ Authorization: "********", "X-Env": "********" });
    const list = await api("/subscriptions?limit=100");
    expect(JSON.stringify(list.json)).not.toContain("Token abc");
    const put = await api(`/subscriptions/${id}`, { method: "PATCH", body: { headers: { Authorization: "********", "X-Env": "staging" } } });
    expect(put.status).toBe(200);
    await api(`/subscriptions/${id}/test`, { method: "POST" });
    const [req] = await r.waitFor(1);
    expect(req!.headers).toMatchObject({ authorization: "Token abc", "x-env": "staging" });
  });
});

describe("one reserved-header check for every header source", () => {
  it("refuses reserved names in auth.header in any case, and header values with control or non-ASCII characters", async () => {
    const r = await receiver();
    const bad: [Record<string, unknown>, string][] = [
      [{ auth: { type: "api-key", key: "k", header: "webhook-signature" } }, "auth.header"],
      [{ auth: { type: "hmac", secret: "s3cret-s3cret", header: "x-WEBHOOK-id" } }, "auth.header"],
      [{ headers: { "WEBHOOK-SIGNATURE": "x" } }, "headers"],
      [{ headers: { "X-A": "a\u0000b" } }, "headers"],
      [{ headers: { "X-A": "a\u000bb" } }, "headers"],
      [{ headers: { "X-A": "a\u2028b" } }, "headers"],
      [{ headers: { "X-A": "1", "x-a": "2" } }, "headers"],
      [{ auth: { type: "bearer", token: "t\u0000" } }, "auth.token"],
    ];
    for (const [extra, field] of bad) {
      const res = await api("/subscriptions", { body: { url: `${r.url}/hook`, events: ["sec.*"], ...extra } });
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect(res.json.code).toBe("SCHEMA_VALIDATION_ERROR");
      expect(String(res.json.details.field).startsWith(field), `${JSON.stringify(extra)} → ${res.json.details.field}`).toBe(true);
    }
    const ok = await api("/subscriptions", { body: { url: `${r.url}/hook`, events: ["sec.*"], headers: { "X-A": "tab\tand space" } } });
    expect(ok.status).toBe(201);
    await api(`/subscriptions/${ok.json.data.id}/test`, { method: "POST" });
    const [req] = await eventually(async () => (r.requests.length ? r.requests : undefined));
    expect(req!.headers["webhook-signature"]).toMatch(/^v1,/);
    expect(req!.headers["x-webhook-id"]).not.toContain(",");
  });
});
