/** The one url redaction (pure): userinfo, query values and token-like path segments hidden, for audit rows, events and logs. */

/** What a hidden part of a url becomes. */
export const URL_REDACTED = "REDACTED";

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
