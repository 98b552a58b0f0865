/** AES-GCM encryption of secrets at rest (subscription signing secrets, outbound credentials) under ENCRYPTION_KEY. */
import { fromBase64, toBase64 } from "./encoding";

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();
const FORMAT = "v1";
const IV_BYTES = 12;

const keys = new Map<string, Promise<CryptoKey>>();

/** Thrown when the key is missing or malformed, or a ciphertext does not decrypt under it. */
export class SecretBoxError extends Error {}

/** True when `keyBase64` decodes to exactly 32 bytes (an AES-256 key). */
export function isValidEncryptionKey(keyBase64: string): boolean {
  try {
    return fromBase64(keyBase64).length === 32;
  } catch {
    return false;
  }
}

function importKey(keyBase64: string): Promise<CryptoKey> {
  let key = keys.get(keyBase64);
  if (!key) {
    if (!isValidEncryptionKey(keyBase64)) throw new SecretBoxError("ENCRYPTION_KEY must be the base64 of 32 random bytes");
    key = crypto.subtle.importKey("raw", fromBase64(keyBase64), { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
    keys.set(keyBase64, key);
  }
  return key;
}

/**
 * Encrypts `plaintext` as `v1.<iv>.<ciphertext>` (base64). `context` is bound as additional
 * data, so a ciphertext copied to another record (another context) fails to decrypt.
 */
export async function sealSecret(keyBase64: string, plaintext: string, context = ""): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: ENCODER.encode(context) }, await importKey(keyBase64), ENCODER.encode(plaintext));
  return `${FORMAT}.${toBase64(iv)}.${toBase64(sealed)}`;
}

/** Decrypts a value made by sealSecret with the same key and context. */
export async function openSecret(keyBase64: string, sealed: string, context = ""): Promise<string> {
  const [format, iv, data] = sealed.split(".");
  if (format !== FORMAT || !iv || !data) throw new SecretBoxError("not a sealed secret");
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64(iv), additionalData: ENCODER.encode(context) }, await importKey(keyBase64), fromBase64(data));
    return DECODER.decode(plain);
  } catch (error) {
    throw new SecretBoxError("secret does not decrypt under ENCRYPTION_KEY", { cause: error });
  }
}
