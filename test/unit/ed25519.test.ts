// Ed25519 signing (Standard Webhooks v1a) through Web Crypto in workerd: the published
// vector, key generation, verification, and the signing headers with ed25519 alone and during a switch.
import { describe, expect, it } from "vitest";
import { asymmetricSignature, signatureHeaders, standardSignature } from "../../src/delivery/destinations/signer";
import { generateKeyPair, publicKeyOf, signEd25519, verifyEd25519 } from "../../src/lib/ed25519";

const VECTOR = {
  secretKey: "whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==",
  publicKey: "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==",
};

describe("Ed25519 (v1a)", () => {
  it("signs the published Standard Webhooks vector exactly", async () => {
    expect(await asymmetricSignature(VECTOR.secretKey, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
    expect(publicKeyOf(VECTOR.secretKey)).toBe(VECTOR.publicKey);
  });

  it("verifies the vector with the public key, and refuses a changed body, id or key", async () => {
    const message = `${VECTOR.id}.${VECTOR.timestamp}.${VECTOR.body}`;
    const signature = VECTOR.signature.slice("v1a,".length);
    expect(await verifyEd25519(VECTOR.publicKey, message, signature)).toBe(true);
    expect(await verifyEd25519(VECTOR.publicKey, message + " ", signature)).toBe(false);
    expect(await verifyEd25519(VECTOR.publicKey, message.replace("msg_", "msg-"), signature)).toBe(false);
    const other = await generateKeyPair();
    expect(await verifyEd25519(other.publicKey, message, signature)).toBe(false);
    expect(await verifyEd25519("whpk_short", message, signature)).toBe(false);
  });

  it("generates whsk_/whpk_ pairs whose signatures verify", async () => {
    const pair = await generateKeyPair();
    expect(pair.secretKey).toMatch(/^whsk_[A-Za-z0-9+/]{86}==$/);
    expect(pair.publicKey).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);
    expect(publicKeyOf(pair.secretKey)).toBe(pair.publicKey);
    expect(await verifyEd25519(pair.publicKey, "hello", await signEd25519(pair.secretKey, "hello"))).toBe(true);
    expect((await generateKeyPair()).secretKey).not.toBe(pair.secretKey);
  });

  it("refuses keys that are not whsk_ of 64 bytes", () => {
    expect(() => publicKeyOf(VECTOR.publicKey)).toThrow(/whsk_/);
    expect(() => publicKeyOf("whsk_AAAA")).toThrow(/64 bytes/);
  });
});

describe("signing headers", () => {
  const input = { id: VECTOR.id, body: VECTOR.body, nowMs: VECTOR.timestamp * 1000 + 123 };

  it("carry v1a alone, without X-Webhook-Signature, when only an Ed25519 key signs", async () => {
    const headers = await signatureHeaders({ ...input, secrets: [], signingKeys: [VECTOR.secretKey] });
    expect(headers["webhook-signature"]).toBe(VECTOR.signature);
    expect(headers["webhook-timestamp"]).toBe(String(VECTOR.timestamp));
    expect(headers).not.toHaveProperty("X-Webhook-Signature");
  });

  it("carry v1 then v1a during a switch, and X-Webhook-Signature for the HMAC secret", async () => {
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const headers = await signatureHeaders({ ...input, secrets: [secret], signingKeys: [VECTOR.secretKey] });
    const v1 = await standardSignature(secret, VECTOR.id, VECTOR.timestamp, VECTOR.body);
    expect(headers["webhook-signature"]).toBe(`${v1} ${VECTOR.signature}`);
    expect(headers["X-Webhook-Signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
  });
});
