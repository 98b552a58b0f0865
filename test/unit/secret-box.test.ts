// AES-GCM sealing of secrets at rest.
import { describe, expect, it } from "vitest";
import { isValidEncryptionKey, openSecret, sealSecret, SecretBoxError } from "../../src/lib/secret-box";

const KEY = "dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy0xMjM=";
const OTHER = "b3RoZXItZW5jcnlwdGlvbi1rZXktMzItYnl0ZXMtMTI=";

describe("secret box", () => {
  it("round-trips and never stores the plaintext", async () => {
    const sealed = await sealSecret(KEY, "whsec_secret-value", "sub-1");
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain("secret-value");
    expect(await openSecret(KEY, sealed, "sub-1")).toBe("whsec_secret-value");
  });

  it("uses a fresh IV each time", async () => {
    expect(await sealSecret(KEY, "x")).not.toBe(await sealSecret(KEY, "x"));
  });

  it("refuses another key, another context, tampering and garbage", async () => {
    const sealed = await sealSecret(KEY, "value", "sub-1");
    await expect(openSecret(OTHER, sealed, "sub-1")).rejects.toBeInstanceOf(SecretBoxError);
    await expect(openSecret(KEY, sealed, "sub-2")).rejects.toBeInstanceOf(SecretBoxError);
    const [f, iv, data] = sealed.split(".");
    const flipped = `${f}.${iv}.${data!.startsWith("A") ? "B" : "A"}${data!.slice(1)}`;
    await expect(openSecret(KEY, flipped, "sub-1")).rejects.toBeInstanceOf(SecretBoxError);
    await expect(openSecret(KEY, "plain", "sub-1")).rejects.toBeInstanceOf(SecretBoxError);
  });

  it("accepts only 32-byte base64 keys", async () => {
    expect(isValidEncryptionKey(KEY)).toBe(true);
    expect(isValidEncryptionKey("c2hvcnQ=")).toBe(false);
    expect(isValidEncryptionKey("")).toBe(false);
    await expect(sealSecret("c2hvcnQ=", "x")).rejects.toBeInstanceOf(SecretBoxError);
  });
});
