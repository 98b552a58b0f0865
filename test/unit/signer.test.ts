// Outbound signing: the Standard Webhooks published vector, X-Webhook-Signature, rotation lists, secret keys.
import { describe, expect, it } from "vitest";
import { hmac } from "../../src/lib/crypto";
import { fromBase64, toHex } from "../../src/lib/encoding";
import { generateSecret, isUsableSecret, secretKey, signatureHeaders, standardSignature, xWebhookSignature } from "../../src/delivery/destinations/signer";

describe("Standard Webhooks signature", () => {
  it("reproduces the published test vector", async () => {
    const signature = await standardSignature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}');
    expect(signature).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("changes when any signed part changes", async () => {
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const base = await standardSignature(secret, "msg_1", 100, "{}");
    expect(await standardSignature(secret, "msg_2", 100, "{}")).not.toBe(base);
    expect(await standardSignature(secret, "msg_1", 101, "{}")).not.toBe(base);
    expect(await standardSignature(secret, "msg_1", 100, "{ }")).not.toBe(base);
  });
});

describe("secret keys", () => {
  it("uses the decoded bytes of whsec_ secrets and UTF-8 otherwise", () => {
    expect(secretKey("whsec_AAEC")).toEqual(new Uint8Array([0, 1, 2]));
    expect(secretKey("plain-secret")).toBe("plain-secret");
  });

  it("generates whsec_ secrets of 32 random bytes", () => {
    const a = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(fromBase64(a.slice(6))).toHaveLength(32);
    expect(generateSecret()).not.toBe(a);
  });

  it("refuses whsec_ secrets that are not base64 of 16+ bytes", () => {
    expect(isUsableSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).toBe(true);
    expect(isUsableSecret("whsec_AAEC")).toBe(false);
    expect(isUsableSecret("whsec_***")).toBe(false);
    expect(isUsableSecret("any-other-secret")).toBe(true);
  });
});

describe("X-Webhook-Signature", () => {
  it("is sha256=<hex HMAC over timestampMs.body>", async () => {
    const expected = toHex(await hmac("plain-secret", "1700000000123.{\"a\":1}"));
    expect(await xWebhookSignature("plain-secret", 1700000000123, '{"a":1}')).toBe(`sha256=${expected}`);
  });
});

describe("signatureHeaders", () => {
  it("signs with every secret: space-separated v1 list and comma-separated sha256 list", async () => {
    const headers = await signatureHeaders({ id: "evt-1", body: "{}", nowMs: 1_700_000_000_999, secrets: ["whsec_AAECAwQFBgcICQoLDA0ODw==", "old-secret"] });
    expect(headers["webhook-id"]).toBe("evt-1");
    expect(headers["webhook-timestamp"]).toBe("1700000000");
    expect(headers["X-Webhook-Timestamp"]).toBe("1700000000999");
    const v1 = headers["webhook-signature"]!.split(" ");
    expect(v1).toEqual([
      await standardSignature("whsec_AAECAwQFBgcICQoLDA0ODw==", "evt-1", 1700000000, "{}"),
      await standardSignature("old-secret", "evt-1", 1700000000, "{}"),
    ]);
    expect(headers["X-Webhook-Signature"]!.split(",")).toEqual([
      await xWebhookSignature("whsec_AAECAwQFBgcICQoLDA0ODw==", 1_700_000_000_999, "{}"),
      await xWebhookSignature("old-secret", 1_700_000_000_999, "{}"),
    ]);
  });
});
