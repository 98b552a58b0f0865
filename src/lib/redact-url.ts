/** The one url redaction (pure): userinfo, query values and token-like path segments hidden, for audit rows, events and logs. */

/** What a hidden part of a url becomes. */
export const URL_REDACTED = "REDACTED";

/** What the API shows instead of a write-only value (a header value, a secret param). */
export const SECRET_MASK = "********";

/** A path segment that looks like a credential: long, url-safe, letters and digits mixed (Slack, Discord, Zapier hook tokens). */
function isTokenSegment(segment: string): boolean {
  if (segment.length >= 32) return true;
  return segment.length >= 16 && /^[A-Za-z0-9._~+=-]+$/.test(segment) && /[0-9]/.test(segment) && /[A-Za-z]/.test(segment);
}

/**
 * `url` with its userinfo, every query value and token-like path segments replaced by
 * `REDACTED`, and without a fragment: `https://u:p@hooks.slack.com/services/T0/B0/abcd…?token=x` →
 * `https://REDACTED@hooks.slack.com/services/T0/B0/REDACTED?token=REDACTED`. Text that is not an
 * absolute url is returned unchanged.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  const userinfo = parsed.username || parsed.password ? `${URL_REDACTED}@` : "";
  const path = parsed.pathname
    .split("/")
    .map((segment) => (isTokenSegment(decodeSafely(segment)) ? URL_REDACTED : segment))
    .join("/");
  const query = [...parsed.searchParams.keys()].map((key) => `${encodeURIComponent(key)}=${URL_REDACTED}`).join("&");
  return `${parsed.protocol}//${userinfo}${parsed.host}${path}${query ? `?${query}` : ""}`;
}

function decodeSafely(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** True when `value` is an absolute http(s) url (the strings redaction treats as urls). */
export function looksLikeUrl(value: string): boolean {
  return /^https?:\/\//i.test(value);
}

/** True when `part` shares text with a secret: it is part of one, or holds one. */
function overlaps(part: string, secrets: readonly string[]): boolean {
  return part !== "" && secrets.some((secret) => secret !== "" && (secret.includes(part) || part.includes(secret)));
}

/**
 * `url` with every part that overlaps one of `secrets` masked, keeping the origin: userinfo goes,
 * path segments (runs of them collapse into one) and query values become SECRET_MASK.
 * A Slack webhook url that is itself the secret keeps only `https://hooks.slack.com/` and one
 * mask; `https://api.telegram.org/bot<token>/sendMessage` with the token secret keeps
 * `/sendMessage` after the masked segment. Text that is not an absolute url becomes SECRET_MASK
 * when it overlaps a secret.
 */
export function maskUrlSecrets(url: string, secrets: readonly string[]): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return overlaps(url, secrets) ? SECRET_MASK : url;
  }
  const path: string[] = [];
  for (const segment of parsed.pathname.split("/")) {
    const masked = overlaps(decodeSafely(segment), secrets) ? SECRET_MASK : segment;
    if (masked !== SECRET_MASK || path.at(-1) !== SECRET_MASK) path.push(masked);
  }
  const query = [...parsed.searchParams].map(([key, value]) => `${encodeURIComponent(key)}=${overlaps(value, secrets) ? SECRET_MASK : encodeURIComponent(value)}`).join("&");
  return `${parsed.protocol}//${parsed.host}${path.join("/")}${query ? `?${query}` : ""}`;
}
