// D1 size helpers (pure): utf8Bytes counts what TextEncoder would produce, without encoding.
import { describe, expect, it } from "vitest";
import { utf8Bytes } from "../../src/lib/d1-limits";

const encoded = (text: string) => new TextEncoder().encode(text).byteLength;

describe("utf8Bytes", () => {
  it("counts 1, 2, 3 and 4-byte characters as UTF-8 encodes them", () => {
    for (const text of ["", "ascii", "é", "ß€", "日本語", "😀", "a😀b€c", "\u07ff\u0800\uffff"]) expect(utf8Bytes(text), text).toBe(encoded(text));
  });
  it("counts a lone surrogate as U+FFFD (3 bytes), as TextEncoder replaces it", () => {
    for (const text of ["\ud800", "\udc00", "a\ud800b", "\ud800\ud800\udc00", "x\udc00\ud83d"]) expect(utf8Bytes(text), JSON.stringify(text)).toBe(encoded(text));
  });
  it("counts a large mixed string exactly", () => {
    const text = "a€😀\ud800".repeat(50_000);
    expect(utf8Bytes(text)).toBe(encoded(text));
  });
});
