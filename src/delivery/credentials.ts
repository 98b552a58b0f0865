/** Opening a subscription's sealed secrets for a send (isolate-cached): signing secrets in grace order, Ed25519 keys, outbound credentials. */
import type { Config } from "../config";
import { openSecret } from "../lib/secret-box";
import type { AuthSecret, SubscriptionRow } from "./store/subscriptions";

const cache = new Map<string, Promise<string>>();
const CACHE_LIMIT = 1000;

function open(config: Config, sealed: string, context: string): Promise<string> {
  const key = `${context}|${sealed}`;
  let plain = cache.get(key);
  if (!plain) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    plain = openSecret(config.encryptionKey, sealed, context);
    plain.catch(() => cache.delete(key));
    cache.set(key, plain);
  }
  return plain;
}

/** The signing secrets of a subscription at `now`: current, then the rotated one while in grace. */
export async function signingSecrets(config: Config, row: SubscriptionRow, now: number): Promise<string[]> {
  const secrets = [await open(config, row.secret_enc, row.id)];
  if (row.previous_secret_enc && (row.previous_secret_expires_at ?? 0) > now) secrets.push(await open(config, row.previous_secret_enc, row.id));
  return secrets;
}

/** What signs a subscription's attempts at `now`: HMAC secrets (`v1`) and Ed25519 keys (`v1a`). */
export interface SigningMaterial {
  secrets: string[];
  signingKeys: string[];
}

/**
 * The signing material at `now`: the scheme's own, plus the other scheme's while a switch is in
 * progress (signing_overlap_until ahead), so receivers can move over without a gap.
 */
export async function signingMaterial(config: Config, row: SubscriptionRow, now: number): Promise<SigningMaterial> {
  const overlap = (row.signing_overlap_until ?? 0) > now;
  const hmac = row.signing_scheme === "hmac" || overlap;
  const ed25519 = row.signing_key_enc !== null && (row.signing_scheme === "ed25519" || overlap);
  const [secrets, key] = await Promise.all([hmac ? signingSecrets(config, row, now) : [], ed25519 ? open(config, row.signing_key_enc!, `${row.id}:ed25519`) : null]);
  return { secrets, signingKeys: key ? [key] : [] };
}

/** The outbound credentials of a subscription in clear, or null. */
export async function outboundCredentials(config: Config, row: SubscriptionRow): Promise<AuthSecret | null> {
  return row.auth_enc ? (JSON.parse(await open(config, row.auth_enc, row.id)) as AuthSecret) : null;
}
