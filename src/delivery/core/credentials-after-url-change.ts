/** Which stored outbound credentials survive a change of a subscription's url (pure). */

/** The credentials a subscription may hold beside its url. */
export type StoredCredential = "auth" | "headers";

/** What an update asks for and what the subscription holds. */
export interface UrlChange {
  previousUrl: string;
  /** The url the update sets, or undefined when it leaves the url alone. */
  nextUrl: string | undefined;
  /** True when the update supplies `auth` itself. */
  authSupplied: boolean;
  /** True when the update supplies `headers` itself. */
  headersSupplied: boolean;
  /** True when the subscription holds an outbound auth other than `none`. */
  hasAuth: boolean;
  /** True when the subscription holds custom headers. */
  hasHeaders: boolean;
}

/** The verdict: which stored credentials to drop, and whether masked header values may keep stored ones. */
export interface CredentialVerdict {
  originChanged: boolean;
  dropped: StoredCredential[];
  /** False when the origin changed: a masked header value must then be supplied again. */
  mayKeepMaskedHeaders: boolean;
}

/** The origin of `url`, or the url itself when it does not parse. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/**
 * Stored credentials follow the url only within its origin: when the origin (scheme, host, port)
 * changes, stored `auth` and `headers` are dropped unless the update supplies them again, so whoever
 * may edit a subscription cannot redirect its credentials to a server of theirs.
 */
export function credentialsAfterUrlChange(change: UrlChange): CredentialVerdict {
  const originChanged = change.nextUrl !== undefined && originOf(change.nextUrl) !== originOf(change.previousUrl);
  const dropped: StoredCredential[] = [];
  if (originChanged && change.hasAuth && !change.authSupplied) dropped.push("auth");
  if (originChanged && change.hasHeaders && !change.headersSupplied) dropped.push("headers");
  return { originChanged, dropped, mayKeepMaskedHeaders: !originChanged };
}
