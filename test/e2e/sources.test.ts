// Provider sources over real HTTP, signed with the providers' own libraries where they exist
// (@octokit/webhooks-methods, stripe, standardwebhooks) and with the documented algorithm otherwise.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { bodies, configureSources, deliver as deliverTo, EXPECTED_TYPES, SECRETS, signers, STALE, TIMESTAMPED, WRONG, type Signed } from "./source-signers.ts";

const url = inject("gatewayUrl");
const admin = inject("adminToken");
const deliver = (provider: string, signed: Signed) => deliverTo(url, provider, signed);

beforeAll(() => configureSources(url, admin));

for (const provider of Object.keys(SECRETS)) {
  describe(provider, () => {
    const secret = SECRETS[provider as keyof typeof SECRETS];
    const sign = signers[provider]!;

    it("accepts a delivery signed by the provider's scheme and publishes it once", async () => {
      const id = `${provider}-${randomUUID()}`;
      const signed = await sign(bodies[provider]!(id), secret, id);
      const first = await deliver(provider, signed);
      expect(first.status, JSON.stringify(first.json)).toBe(200);
      expect(first.json.data).toMatchObject({ received: true, duplicate: false, provider, type: EXPECTED_TYPES[provider] });
      expect(first.json.data.eventId).toMatch(/^evt-/);
      // A provider's retry: the same delivery id, re-signed with a fresh timestamp where the scheme has one.
      const again = await deliver(provider, TIMESTAMPED.has(provider) ? await sign(signed.body, secret, id) : signed);
      expect(again.status).toBe(200);
      expect(again.json.data).toMatchObject({ duplicate: true, eventId: first.json.data.eventId });
    });

    it("refuses a tampered body, and stores nothing (the same id is new afterwards)", async () => {
      const id = `${provider}-${randomUUID()}`;
      const signed = await sign(bodies[provider]!(id), secret, id);
      const tampered = await deliver(provider, { ...signed, body: signed.body.replace("}", ',"injected":true}') });
      expect(tampered.status).toBe(401);
      expect(tampered.json).toMatchObject({ success: false, code: "SIGNATURE_INVALID", details: { reason: "signature_mismatch" } });
      const genuine = await deliver(provider, signed);
      expect(genuine.json.data.duplicate).toBe(false);
    });

    it("refuses a signature made with the wrong secret", async () => {
      const id = `${provider}-${randomUUID()}`;
      const res = await deliver(provider, await sign(bodies[provider]!(id), WRONG, id));
      expect(res.status).toBe(401);
      expect(res.json.code).toBe("SIGNATURE_INVALID");
    });

    if (TIMESTAMPED.has(provider)) {
      it("refuses a stale timestamp with a reason that says so", async () => {
        const id = `${provider}-${randomUUID()}`;
        const res = await deliver(provider, await sign(bodies[provider]!(id), secret, id, STALE()));
        expect(res.status).toBe(401);
        expect(res.json).toMatchObject({ code: "SIGNATURE_INVALID", details: { reason: "timestamp_out_of_tolerance" } });
        expect(res.json.error).toMatch(/outside the 300 s tolerance/);
      });
    }
  });
}

describe("linear webhookTimestamp", () => {
  it("refuses a signed body whose webhookTimestamp is stale", async () => {
    const id = randomUUID();
    const body = JSON.stringify({ action: "create", type: "Comment", data: {}, webhookTimestamp: Date.now() - 3_600_000 });
    const res = await deliver("linear", await signers.linear!(body, SECRETS.linear, id));
    expect(res.status).toBe(401);
    expect(res.json.details.reason).toBe("timestamp_out_of_tolerance");
  });
});

describe("svix headers", () => {
  it("accepts a Standard Webhooks signature under svix-* header names (Svix, Clerk)", async () => {
    const id = `msg_${randomUUID()}`;
    const signed = await signers.standard!(bodies.standard!(id), SECRETS.standard, id);
    const headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.replace("webhook-", "svix-"), v]));
    const res = await deliver("standard", { body: signed.body, headers });
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({ type: "standard.user.created", deliveryId: id });
  });
});

describe("slack handshake", () => {
  it("answers url_verification with the challenge", async () => {
    const body = JSON.stringify({ token: "t", challenge: "e2e-challenge-value", type: "url_verification" });
    const res = await deliver("slack", await signers.slack!(body, SECRETS.slack, ""));
    expect(res.status).toBe(200);
    expect(res.json.challenge).toBe("e2e-challenge-value");
  });
});
