// AES-256-GCM sealing of secrets at rest (src/lib/secret-box.ts).
import { describe, expect, it } from "vitest";
import { isValidEncryptionKey, openSecret, sealSecret, SecretBoxError } from "../../src/lib/secret-box";

const KEY = btoa(String.fromCharCode(...new Uint8Array(32).map((_, i) => i + 1)));
const OTHER_KEY = btoa(String.fromCharCode(...new Uint8Array(32).map((_, i) => 255 - i)));

describe("secret box", () => {
  it("round-trips and never repeats a ciphertext", async () => {
    const a = await sealSecret(KEY, "whsec_top-secret", "source:stripe");
    const b = await sealSecret(KEY, "whsec_top-secret", "source:stripe");
    expect(a).not.toBe(b);
    expect(a).not.toContain("top-secret");
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(await openSecret(KEY, a, "source:stripe")).toBe("whsec_top-secret");
  });

  it("refuses the wrong key, the wrong context and a tampered value", async () => {
    const sealed = await sealSecret(KEY, "secret", "source:github");
    await expect(openSecret(OTHER_KEY, sealed, "source:github")).rejects.toBeInstanceOf(SecretBoxError);
    await expect(openSecret(KEY, sealed, "source:slack")).rejects.toBeInstanceOf(SecretBoxError);
    const last = sealed.at(-2) === "A" ? "B" : "A";
    await expect(openSecret(KEY, `${sealed.slice(0, -2)}${last}${sealed.at(-1)}`, "source:github")).rejects.toBeInstanceOf(SecretBoxError);
    await expect(openSecret(KEY, "v2.x.y", "source:github")).rejects.toBeInstanceOf(SecretBoxError);
  });

  it("accepts only a base64 key of 32 bytes", async () => {
    expect(isValidEncryptionKey(KEY)).toBe(true);
    expect(isValidEncryptionKey("")).toBe(false);
    expect(isValidEncryptionKey(btoa("short"))).toBe(false);
    expect(isValidEncryptionKey("not base64 at all!")).toBe(false);
    await expect(sealSecret("", "x")).rejects.toBeInstanceOf(SecretBoxError);
  });
});
