/** Shared vocabulary of the provider verifiers: settings, results, timestamp and constant-time HMAC checks. */
import type { GenericSourceOptions } from "../config";
import { hmac, timingSafeEqual } from "../lib/crypto";
import { toBase64, toHex } from "../lib/encoding";

/** Every provider that can send to `POST /sources/:provider`. */
export const PROVIDERS = ["github", "stripe", "slack", "linear", "shopify", "standard", "generic"] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** The default timestamp tolerance where a scheme signs a timestamp. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** How the `generic` provider finds and checks its signature (defined beside the vars that can set it). */
export type GenericOptions = GenericSourceOptions;

/** A provider's verification settings: every secret currently accepted (rotation), tolerance, generic options. */
export interface SourceSettings {
  secrets: string[];
  toleranceSeconds: number;
  generic?: GenericOptions;
}

/** What a verifier sees: the headers, the exact raw body bytes, and the clock (epoch ms). */
export interface SignedRequest {
  headers: Headers;
  body: Uint8Array;
  now: number;
}

/** Why a request was refused; `timestamp_out_of_tolerance` is the stale case. */
export type VerifyFailureReason = "missing_signature" | "malformed_signature" | "signature_mismatch" | "missing_timestamp" | "malformed_timestamp" | "timestamp_out_of_tolerance";

/** The outcome of a verification. */
export type Verification = { ok: true } | { ok: false; reason: VerifyFailureReason; message: string };

export const VERIFIED: Verification = { ok: true };

/** A failed verification. */
export function refuse(reason: VerifyFailureReason, message: string): Verification {
  return { ok: false, reason, message };
}

const ENCODER = new TextEncoder();

/** Joins text (UTF-8) and byte parts into one buffer: the exact bytes a scheme signs. */
export function signedBytes(...parts: (string | Uint8Array)[]): Uint8Array {
  const chunks = parts.map((p) => (typeof p === "string" ? ENCODER.encode(p) : p));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Parses a unix-seconds header value; null when absent or not a plain integer. */
export function parseUnixSeconds(value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  return /^\d{1,12}$/.test(text) ? Number(text) : null;
}

/** Refuses a signed timestamp (unix seconds) further than the tolerance from now, in either direction. */
export function checkTimestamp(timestampSeconds: number, now: number, toleranceSeconds: number): Verification {
  const skew = Math.abs(now / 1000 - timestampSeconds);
  if (skew <= toleranceSeconds) return VERIFIED;
  const age = Math.round(now / 1000 - timestampSeconds);
  const when = age > 0 ? `${age} s old` : `${-age} s in the future`;
  return refuse("timestamp_out_of_tolerance", `Signature timestamp is ${when}, outside the ${toleranceSeconds} s tolerance (stale or replayed delivery, or a clock out of sync)`);
}

/** Options for matchHmac. */
export interface MatchHmacOptions {
  /** HMAC keys to try, one per accepted secret. */
  keys: (string | Uint8Array)[];
  message: Uint8Array;
  /** Signatures received, already stripped of any scheme prefix. */
  candidates: string[];
  hash?: "SHA-256" | "SHA-512";
  encoding: "hex" | "base64";
}

/**
 * True when any received signature equals the HMAC under any key. Each comparison is constant-time;
 * hex is compared lower-cased because providers differ in case.
 */
export async function matchHmac(options: MatchHmacOptions): Promise<boolean> {
  const received = options.encoding === "hex" ? options.candidates.map((c) => c.toLowerCase()) : options.candidates;
  for (const key of options.keys) {
    const mac = await hmac(key, options.message, options.hash ?? "SHA-256");
    const expected = options.encoding === "hex" ? toHex(mac) : toBase64(mac);
    let matched = false;
    for (const candidate of received) matched = timingSafeEqual(expected, candidate) || matched;
    if (matched) return true;
  }
  return false;
}

/** The standard "no secret matched" refusal, naming the header checked. */
export function mismatch(header: string): Verification {
  return refuse("signature_mismatch", `${header} does not match the body under any configured secret`);
}

/** The standard "header absent" refusal. */
export function missing(header: string): Verification {
  return refuse("missing_signature", `Missing ${header} header`);
}

/** A header value, trimmed; null when absent or blank. */
export function header(headers: Headers, name: string): string | null {
  const value = headers.get(name)?.trim();
  return value ? value : null;
}
