// Idempotency records holding secrets are sealed at rest in TokenState, and one token's kept bytes are capped.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createToken } from "./helpers";

async function storedBodies(tokenId: string): Promise<string[]> {
  const stub = env.TOKEN_STATE.getByName(tokenId);
  return runInDurableObject(stub, (_instance, state) =>
    state.storage.sql.exec<{ body: string | null }>("SELECT body FROM idempotency_keys").toArray().map((r) => r.body ?? ""),
  );
}

describe("sealed idempotency records", () => {
  it("keeps no ehk_ key or whsec_ secret in clear, and still replays them", async () => {
    const caller = await createToken(["tokens", "subscriptions", "task"]);
    const vars = {}; // the call waits for waitUntil work, so the record is stored when it returns
    const token = await call("/tokens", { token: caller.key, body: { name: "idem-sealed", endpoints: ["task"] }, headers: { "Idempotency-Key": "seal-1" }, vars });
    expect(token.status).toBe(201);
    const sub = await call("/subscriptions", { token: caller.key, body: { url: "http://127.0.0.1:9/h", events: ["a.*"] }, headers: { "Idempotency-Key": "seal-2" }, vars });
    expect(sub.status).toBe(201);
    const bodies = await storedBodies(caller.id);
    expect(bodies).toHaveLength(2);
    for (const body of bodies) {
      expect(body).not.toContain(token.json.data.key);
      expect(body).not.toContain(sub.json.data.secret);
      expect(body).not.toMatch(/ehk_|whsec_/);
    }
    const again = await call("/tokens", { token: caller.key, body: { name: "idem-sealed", endpoints: ["task"] }, headers: { "Idempotency-Key": "seal-1" }, vars });
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.json.data.key).toBe(token.json.data.key);
    const subAgain = await call("/subscriptions", { token: caller.key, body: { url: "http://127.0.0.1:9/h", events: ["a.*"] }, headers: { "Idempotency-Key": "seal-2" }, vars });
    expect(subAgain.json.data.secret).toBe(sub.json.data.secret);
  });

  it("keeps no more than IDEMPOTENCY_MAX_BYTES per token: a response past the cap is not kept", async () => {
    const caller = await createToken(["events"]);
    const vars = { IDEMPOTENCY_MAX_BYTES: "2048" };
    const publish = (key: string, pad: number) => call("/events", { token: caller.key, body: { type: "cap.test", data: { pad: "x".repeat(pad) } }, headers: { "Idempotency-Key": key }, vars });
    expect((await publish("cap-1", 100)).status).toBe(201);
    expect((await publish("cap-1", 100)).headers.get("Idempotent-Replayed")).toBe("true");
    expect((await publish("cap-2", 1500)).status).toBe(201);
    const second = await publish("cap-2", 1500);
    expect(second.status).toBe(201);
    expect(second.headers.get("Idempotent-Replayed")).toBeNull();
    const kept = await storedBodies(caller.id);
    expect(kept.reduce((n, b) => n + b.length, 0)).toBeLessThanOrEqual(2048);
  });
});
