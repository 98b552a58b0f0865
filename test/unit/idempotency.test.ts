// Idempotency rules: key sources, request fingerprints, which outcomes are kept, what a repeat gets.
import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  fingerprintSource,
  IDEMPOTENCY_TTL_MS,
  type IdempotencyRecord,
  idempotencyKeyOf,
  isStorableStatus,
  lookupKey,
} from "../../src/limits/idempotency";

describe("idempotencyKeyOf", () => {
  it("takes the header first, then a string idempotencyKey in a JSON object body", () => {
    expect(idempotencyKeyOf("abc-1", { idempotencyKey: "other" })).toEqual({ key: "abc-1", source: "Idempotency-Key" });
    expect(idempotencyKeyOf(null, { idempotencyKey: "k_2" })).toEqual({ key: "k_2", source: "idempotencyKey" });
    expect(idempotencyKeyOf(undefined, { idempotencyKey: 5 })).toBeNull();
    expect(idempotencyKeyOf(undefined, ["idempotencyKey"])).toBeNull();
    expect(idempotencyKeyOf(undefined, undefined)).toBeNull();
  });

  it("refuses empty, over-long or non-visible-ASCII keys", () => {
    expect(idempotencyKeyOf("", undefined)).toEqual({ invalid: "Idempotency-Key" });
    expect(idempotencyKeyOf("a b", undefined)).toEqual({ invalid: "Idempotency-Key" });
    expect(idempotencyKeyOf("x".repeat(256), undefined)).toEqual({ invalid: "Idempotency-Key" });
    expect(idempotencyKeyOf("x".repeat(255), undefined)).toMatchObject({ key: "x".repeat(255) });
    // An empty body field is an unmapped platform field (Zapier, Make): no key, not an invalid one.
    expect(idempotencyKeyOf(null, { idempotencyKey: "" })).toBeNull();
    expect(idempotencyKeyOf(null, { idempotencyKey: "x".repeat(256) })).toEqual({ invalid: "idempotencyKey" });
    expect(idempotencyKeyOf(null, { idempotencyKey: "ünïcode key" })).toEqual({ key: "ünïcode key", source: "idempotencyKey" });
  });
});

describe("fingerprints", () => {
  it("treat reordered JSON keys as the same request", () => {
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[1,{"c":2,"d":1}]}');
    const one = fingerprintSource("POST", "/webhooks/v2/task", '{"a":1,"b":2}', { a: 1, b: 2 });
    const two = fingerprintSource("POST", "/webhooks/v2/task", '{ "b": 2, "a": 1 }', { b: 2, a: 1 });
    expect(one).toBe(two);
  });

  it("tell different bodies, paths and methods apart, and fall back to raw text", () => {
    const base = fingerprintSource("POST", "/x", "", { a: 1 });
    expect(fingerprintSource("POST", "/x", "", { a: 2 })).not.toBe(base);
    expect(fingerprintSource("POST", "/y", "", { a: 1 })).not.toBe(base);
    expect(fingerprintSource("PUT", "/x", "", { a: 1 })).not.toBe(base);
    expect(fingerprintSource("POST", "/x", "not json", undefined)).toBe("POST /x\nnot json");
  });
});

describe("isStorableStatus", () => {
  it("keeps 2xx and deterministic 4xx, never 401/403/408/425/429 or 5xx", () => {
    for (const s of [200, 201, 202, 204, 400, 404, 409, 413, 415, 422]) expect(isStorableStatus(s)).toBe(true);
    for (const s of [401, 403, 408, 425, 429, 500, 502, 503]) expect(isStorableStatus(s)).toBe(false);
  });
});

describe("lookupKey", () => {
  const now = 1_000_000;
  const record = (over: Partial<IdempotencyRecord>): IdempotencyRecord => ({
    key: "k",
    fingerprint: "f",
    owner: "o",
    response: { status: 201, body: "{}", contentType: "application/json" },
    createdAt: now - 5,
    expiresAt: now - 5 + IDEMPOTENCY_TTL_MS,
    ...over,
  });

  it("replays, conflicts, or waits on a live record", () => {
    expect(lookupKey(record({}), "f", now)).toEqual({ kind: "replay", response: { status: 201, body: "{}", contentType: "application/json" } });
    expect(lookupKey(record({}), "g", now)).toEqual({ kind: "conflict" });
    expect(lookupKey(record({ response: null }), "f", now)).toEqual({ kind: "in_flight" });
    expect(lookupKey(record({ response: null }), "g", now)).toEqual({ kind: "conflict" });
  });

  it("treats a missing or expired record (or an abandoned lease) as new", () => {
    expect(lookupKey(null, "f", now)).toEqual({ kind: "new" });
    expect(lookupKey(record({ expiresAt: now }), "f", now)).toEqual({ kind: "new" });
    expect(lookupKey(record({ response: null, expiresAt: now - 1 }), "g", now)).toEqual({ kind: "new" });
  });
});
