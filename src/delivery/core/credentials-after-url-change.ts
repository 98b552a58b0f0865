/** Which stored outbound credentials survive a change of a subscription's url (pure). */

/** The credentials a subscription may hold beside its url (params: an integration's sealed secret params). */
export const STORED_CREDENTIALS = ["auth", "headers", "params"] as const;
export type StoredCredential = (typeof STORED_CREDENTIALS)[number];

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
  /** True when the update supplies an integration's params itself. */
  paramsSupplied?: boolean;
  /** True when the subscription holds sealed integration params. */
  hasParams?: boolean;
}

/** The verdict: which stored credentials to drop, and whether masked header values may keep stored ones. */
export interface CredentialVerdict {
  originChanged: boolean;
  dropped: StoredCredential[];
  /** False when the origin changed: a masked header value must then be supplied again. */
  mayKeepMaskedHeaders: boolean;
  /** False when the url changed at all: sealed params belong to the url they came with. */
  mayKeepParams: boolean;
}

/** The origin of `url`, or the url itself when it does not parse. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** `url` as stored (normalised), or the url itself when it does not parse. */
function normalised(url: string): string {
  try {
    return new URL(url).toString();
  } catch {
    return url;
  }
}

/**
 * Stored credentials follow the url only within its origin: when the origin (scheme, host, port)
 * changes, stored `auth` and `headers` are dropped unless the update supplies them again, so whoever
 * may edit a subscription cannot redirect its credentials to a server of theirs. An integration's
 * sealed `params` are bound tighter, to the url itself: on shared hosts (hooks.slack.com,
 * discord.com) another path is another owner, so any other url drops them.
 */
export function credentialsAfterUrlChange(change: UrlChange): CredentialVerdict {
  const originChanged = change.nextUrl !== undefined && originOf(change.nextUrl) !== originOf(change.previousUrl);
  const dropped: StoredCredential[] = [];
  if (originChanged && change.hasAuth && !change.authSupplied) dropped.push("auth");
  if (originChanged && change.hasHeaders && !change.headersSupplied) dropped.push("headers");
  const urlChanged = change.nextUrl !== undefined && normalised(change.nextUrl) !== normalised(change.previousUrl);
  if (urlChanged && change.hasParams && !change.paramsSupplied) dropped.push("params");
  return { originChanged, dropped, mayKeepMaskedHeaders: !originChanged, mayKeepParams: !urlChanged };
}
