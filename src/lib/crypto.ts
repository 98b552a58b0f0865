/** Web Crypto helpers: random bytes, SHA-256, HMAC and constant-time comparison. */
import { toBase64Url, toHex } from "./encoding";

const ENCODER = new TextEncoder();

/** `n` cryptographically random bytes. */
export function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

/** URL-safe random text carrying `bytes` bytes of entropy. */
export function randomToken(bytes = 32): string {
  return toBase64Url(randomBytes(bytes));
}

/** Hex SHA-256 of a UTF-8 string or of raw bytes. */
export async function sha256Hex(input: string | Uint8Array): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", typeof input === "string" ? ENCODER.encode(input) : input));
}

/** HMAC over `message` with `key`; `hash` defaults to SHA-256. */
export async function hmac(key: Uint8Array | string, message: Uint8Array | string, hash: "SHA-256" | "SHA-512" | "SHA-1" = "SHA-256"): Promise<Uint8Array> {
  const raw = typeof key === "string" ? ENCODER.encode(key) : key;
  const cryptoKey = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash }, false, ["sign"]);
  const data = typeof message === "string" ? ENCODER.encode(message) : message;
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, data));
}

/** Compares two strings in time that depends only on their lengths. */
export function timingSafeEqual(a: string, b: string): boolean {
  const left = ENCODER.encode(a);
  const right = ENCODER.encode(b);
  // workerd provides crypto.subtle.timingSafeEqual for equal-length inputs.
  const subtle = crypto.subtle as SubtleCrypto & { timingSafeEqual?: (x: ArrayBufferView, y: ArrayBufferView) => boolean };
  if (left.length !== right.length) {
    if (subtle.timingSafeEqual) subtle.timingSafeEqual(left, left);
    return false;
  }
  if (subtle.timingSafeEqual) return subtle.timingSafeEqual(left, right);
  let diff = 0;
  for (let i = 0; i < left.length; i++) diff |= left[i]! ^ right[i]!;
  return diff === 0;
}
