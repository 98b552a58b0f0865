/** Idempotency rules (pure): where the key comes from, what identifies a request, which outcomes are kept, what a repeat gets. */

/** How long a finished request's response is replayed. */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/** How long an in-flight marker holds a key when its request never reports back (a Worker that died). */
export const IN_FLIGHT_LEASE_MS = 60_000;
/** How long a concurrent duplicate waits for the first request before it gives up with 409. */
export const DUPLICATE_WAIT_MS = 15_000;
/** Responses larger than this are not kept (the key is released instead). */
export const MAX_STORED_BODY_BYTES = 512 * 1024;
/** Methods whose requests take an idempotency key. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH"]);

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** 4xx outcomes that the same request would get again; others (401, 403, 408, 425, 429) are not kept. */
const DETERMINISTIC_4XX: ReadonlySet<number> = new Set([400, 404, 405, 409, 410, 413, 415, 422]);

/** Where the key came from, for error messages. */
export type KeySource = "Idempotency-Key" | "idempotencyKey";

/** The key of a request, an invalid key, or none. */
export type KeyResult = { key: string; source: KeySource } | { invalid: KeySource } | null;

/**
 * The request's idempotency key: the `Idempotency-Key` header (1–255 visible ASCII characters), else
 * a string `idempotencyKey` of 1–255 characters in a JSON object body (the actions' schema).
 */
export function idempotencyKeyOf(header: string | null | undefined, body: unknown): KeyResult {
  if (header !== null && header !== undefined) return KEY_PATTERN.test(header) ? { key: header, source: "Idempotency-Key" } : { invalid: "Idempotency-Key" };
  if (!body || typeof body !== "object" || Array.isArray(body)) return null;
  const value = (body as Record<string, unknown>).idempotencyKey;
  if (typeof value !== "string" || value === "") return null; // "" is an unmapped field (Zapier, Make): absent
  return value.length >= 1 && value.length <= 255 ? { key: value, source: "idempotencyKey" } : { invalid: "idempotencyKey" };
}

/** JSON with object keys sorted, so that `{"a":1,"b":2}` and `{"b":2,"a":1}` are one request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const object = value as Record<string, unknown>;
    return `{${Object.keys(object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(object[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * What identifies "the same request" for a key: method, path with query, and the body (canonical
 * JSON when it parses, the raw text otherwise). Hash it before storing.
 */
export function fingerprintSource(method: string, pathAndQuery: string, bodyText: string, parsed: unknown): string {
  return `${method} ${pathAndQuery}\n${parsed === undefined ? bodyText : canonicalJson(parsed)}`;
}

/** True when a response with this status is kept for replay: 2xx and 4xx the same request would get again. */
export function isStorableStatus(status: number): boolean {
  return (status >= 200 && status < 300) || DETERMINISTIC_4XX.has(status);
}

/** A response as kept for replay. */
export interface StoredResponse {
  status: number;
  body: string;
  contentType: string;
}

/** One key's record in the per-token object. */
export interface IdempotencyRecord {
  key: string;
  fingerprint: string;
  /** Which request holds the key (a random id), so that a stale report cannot overwrite a newer owner. */
  owner: string;
  /** Null while the first request is in flight. */
  response: StoredResponse | null;
  createdAt: number;
  /** In flight: end of the lease; finished: end of the 24 h. */
  expiresAt: number;
}

/** What a request carrying a key gets, given the key's record. */
export type KeyLookup = { kind: "new" } | { kind: "replay"; response: StoredResponse } | { kind: "conflict" } | { kind: "in_flight" };

/** Decides what a request with `fingerprint` gets: expired or missing records are free to take. */
export function lookupKey(record: IdempotencyRecord | null, fingerprint: string, now: number): KeyLookup {
  if (!record || record.expiresAt <= now) return { kind: "new" };
  if (record.fingerprint !== fingerprint) return { kind: "conflict" };
  return record.response ? { kind: "replay", response: record.response } : { kind: "in_flight" };
}
