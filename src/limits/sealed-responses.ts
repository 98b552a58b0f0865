/** Idempotency records at rest: stored response bodies sealed with ENCRYPTION_KEY, bound to the token and key. */
import { isValidEncryptionKey, openSecret, sealSecret } from "../lib/secret-box";
import type { StoredResponse } from "./idempotency";

/** Marks a stored body as sealed (no JSON body starts with it). */
const SEALED_PREFIX = "sealed:";
/** Secrets the API shows once: API keys and subscription signing secrets. */
const SECRET_SHAPES = /\b(ehk|ehp|whsec)_[A-Za-z0-9+/=_-]{8,}/;

/** True when a response body carries a secret shown only once (an `ehk_` or `ehp_` key, a `whsec_` secret). */
export function carriesSecret(body: string): boolean {
  return SECRET_SHAPES.test(body);
}

/** The sealing context: a body sealed for one token and key cannot be replayed for another. */
function context(tokenId: string, key: string): string {
  return `idempotency:${tokenId}:${key}`;
}

/**
 * The response as it may be kept: sealed when ENCRYPTION_KEY is valid; without a valid key, a body
 * carrying a secret is not kept at all (null: the key is freed), anything else is kept as it is.
 */
export async function sealResponse(response: StoredResponse, encryptionKey: string, tokenId: string, key: string): Promise<StoredResponse | null> {
  if (!isValidEncryptionKey(encryptionKey)) return carriesSecret(response.body) ? null : response;
  return { ...response, body: SEALED_PREFIX + (await sealSecret(encryptionKey, response.body, context(tokenId, key))) };
}

/** The body to replay: opened when it was sealed. */
export async function openResponse(response: StoredResponse, encryptionKey: string, tokenId: string, key: string): Promise<StoredResponse> {
  if (!response.body.startsWith(SEALED_PREFIX)) return response;
  return { ...response, body: await openSecret(encryptionKey, response.body.slice(SEALED_PREFIX.length), context(tokenId, key)) };
}
