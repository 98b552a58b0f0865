/** AES-256-GCM sealing of secrets at rest under the configured ENCRYPTION_KEY (base64 of 32 bytes). */
import { randomBytes } from "./crypto";
import { fromBase64, toBase64Url } from "./encoding";

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();
const VERSION = "v1";
const IV_BYTES = 12;
const KEY_BYTES = 32;

/** Thrown when the key is unusable or a sealed value cannot be opened (wrong key, context or tampering). */
export class SecretBoxError extends Error {}

function decodeKey(keyBase64: string): Uint8Array | null {
  try {
    const raw = fromBase64(keyBase64.trim());
    return raw.length === KEY_BYTES ? raw : null;
  } catch {
    return null;
  }
}

/** True when `keyBase64` decodes to exactly 32 bytes. */
export function isValidEncryptionKey(keyBase64: string): boolean {
  return decodeKey(keyBase64) !== null;
}

async function importKey(keyBase64: string): Promise<CryptoKey> {
  const raw = decodeKey(keyBase64);
  if (!raw) throw new SecretBoxError("ENCRYPTION_KEY must be the base64 of 32 random bytes");
  return crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
}

/**
 * Encrypts `plaintext` as `v1.<iv>.<ciphertext>` (base64url). `context` is bound as additional
 * authenticated data, so a value sealed for one record cannot be pasted into another.
 */
export async function sealSecret(keyBase64: string, plaintext: string, context = ""): Promise<string> {
  const key = await importKey(keyBase64);
  const iv = randomBytes(IV_BYTES);
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: ENCODER.encode(context) }, key, ENCODER.encode(plaintext));
  return `${VERSION}.${toBase64Url(iv)}.${toBase64Url(sealed)}`;
}

/** Decrypts a value made by sealSecret with the same key and context; throws SecretBoxError otherwise. */
export async function openSecret(keyBase64: string, sealed: string, context = ""): Promise<string> {
  const key = await importKey(keyBase64);
  const [version, ivText, dataText] = sealed.split(".");
  if (version !== VERSION || !ivText || !dataText) throw new SecretBoxError("sealed secret has an unknown format");
  try {
    const iv = fromBase64(ivText);
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: ENCODER.encode(context) }, key, fromBase64(dataText));
    return DECODER.decode(plain);
  } catch (error) {
    throw new SecretBoxError("sealed secret cannot be opened (wrong key or context, or tampered)", { cause: error });
  }
}
