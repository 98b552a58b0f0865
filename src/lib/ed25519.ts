/** Ed25519 through Web Crypto: Standard Webhooks keys (`whsk_` seed ‖ public key, `whpk_` public key), sign, verify. */
import { fromBase64, toBase64 } from "./encoding";

/** Prefix of a secret (signing) key: base64 of the 32-byte seed followed by the 32-byte public key. */
export const SECRET_KEY_PREFIX = "whsk_";
/** Prefix of a public key: base64 of the 32-byte public key. */
export const PUBLIC_KEY_PREFIX = "whpk_";

const ALGORITHM = { name: "Ed25519" } as const;
const ENCODER = new TextEncoder();
/** The fixed PKCS#8 header of an Ed25519 private key (RFC 8410); the 32-byte seed follows it. */
const PKCS8_HEADER = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
const KEY_CACHE_LIMIT = 1000;
const signingKeys = new Map<string, Promise<CryptoKey>>();

/** A key pair in Standard Webhooks form. */
export interface KeyPair {
  secretKey: string;
  publicKey: string;
}

function decodeKey(text: string, prefix: string, length: number): Uint8Array {
  if (!text.startsWith(prefix)) throw new Error(`an Ed25519 key must start with ${prefix}`);
  const bytes = fromBase64(text.slice(prefix.length));
  if (bytes.length !== length) throw new Error(`${prefix} keys carry ${length} bytes, this one ${bytes.length}`);
  return bytes;
}

/** A new key pair (random seed). */
export async function generateKeyPair(): Promise<KeyPair> {
  const pair = (await crypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"])) as { privateKey: CryptoKey; publicKey: CryptoKey };
  const pkcs8 = new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer);
  const publicKey = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  const secret = new Uint8Array(64);
  secret.set(pkcs8.slice(PKCS8_HEADER.length), 0);
  secret.set(publicKey, 32);
  return { secretKey: SECRET_KEY_PREFIX + toBase64(secret), publicKey: PUBLIC_KEY_PREFIX + toBase64(publicKey) };
}

/** The `whpk_` public key of a `whsk_` secret key (its last 32 bytes). */
export function publicKeyOf(secretKey: string): string {
  return PUBLIC_KEY_PREFIX + toBase64(decodeKey(secretKey, SECRET_KEY_PREFIX, 64).slice(32));
}

function importSigningKey(secretKey: string): Promise<CryptoKey> {
  let key = signingKeys.get(secretKey);
  if (!key) {
    if (signingKeys.size >= KEY_CACHE_LIMIT) signingKeys.clear();
    const seed = decodeKey(secretKey, SECRET_KEY_PREFIX, 64).slice(0, 32);
    const pkcs8 = new Uint8Array(PKCS8_HEADER.length + 32);
    pkcs8.set(PKCS8_HEADER, 0);
    pkcs8.set(seed, PKCS8_HEADER.length);
    key = crypto.subtle.importKey("pkcs8", pkcs8, ALGORITHM, false, ["sign"]);
    key.catch(() => signingKeys.delete(secretKey));
    signingKeys.set(secretKey, key);
  }
  return key;
}

/** The base64 Ed25519 signature of `message` under a `whsk_` key. */
export async function signEd25519(secretKey: string, message: string): Promise<string> {
  return toBase64(new Uint8Array(await crypto.subtle.sign(ALGORITHM, await importSigningKey(secretKey), ENCODER.encode(message))));
}

/** True when `signature` (base64) is a valid Ed25519 signature of `message` under a `whpk_` key. */
export async function verifyEd25519(publicKey: string, message: string, signature: string): Promise<boolean> {
  try {
    const key = await crypto.subtle.importKey("raw", decodeKey(publicKey, PUBLIC_KEY_PREFIX, 32), ALGORITHM, false, ["verify"]);
    return await crypto.subtle.verify(ALGORITHM, key, fromBase64(signature), ENCODER.encode(message));
  } catch {
    return false;
  }
}
