// Pure helpers in src/lib: encodings, crypto primitives, identifiers.
import { describe, expect, it } from "vitest";
import { hmac, randomToken, sha256Hex, timingSafeEqual } from "../../src/lib/crypto";
import { fromBase64, toBase64, toBase64Url, toHex } from "../../src/lib/encoding";
import { eventIdTime, makeEventIdFactory, newId } from "../../src/lib/ids";

describe("encoding", () => {
  it("round-trips base64 and base64url and renders hex", () => {
    const bytes = new Uint8Array([0, 1, 250, 251, 252, 253, 254, 255]);
    expect(toHex(bytes)).toBe("0001fafbfcfdfeff");
    expect(toBase64(bytes)).toBe("AAH6+/z9/v8=");
    expect(toBase64Url(bytes)).toBe("AAH6-_z9_v8");
    expect([...fromBase64("AAH6+/z9/v8=")]).toEqual([...bytes]);
    expect([...fromBase64("AAH6-_z9_v8")]).toEqual([...bytes]);
  });
});

describe("crypto", () => {
  it("computes SHA-256 and HMAC-SHA256 (RFC 4231 case 2)", async () => {
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(toHex(await hmac("Jefe", "what do ya want for nothing?"))).toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  });

  it("compares in constant time and handles unequal lengths", () => {
    expect(timingSafeEqual("abc", "abc")).toBe(true);
    expect(timingSafeEqual("abc", "abd")).toBe(false);
    expect(timingSafeEqual("abc", "abcd")).toBe(false);
    expect(timingSafeEqual("", "")).toBe(true);
  });

  it("makes url-safe random tokens of the requested entropy", () => {
    const a = randomToken(32);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken(32)).not.toBe(a);
  });
});

describe("ids", () => {
  it("prefixes random ids", () => {
    expect(newId("task")).toMatch(/^task-[A-Za-z0-9_-]{16}$/);
  });

  it("makes event ids that increase even when the clock stands still or steps back", () => {
    let now = 1_700_000_000_000;
    const next = makeEventIdFactory({ now: () => now });
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push(next());
    now -= 5000;
    for (let i = 0; i < 5; i++) ids.push(next());
    now += 10_000;
    ids.push(next());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toMatch(/^evt-[0-9A-Z]{24}$/);
  });

  it("encodes the publish time", () => {
    const next = makeEventIdFactory({ now: () => 1_700_000_000_123 });
    expect(eventIdTime(next())).toBe(1_700_000_000_123);
    expect(eventIdTime("task-xyz")).toBeNull();
  });
});
