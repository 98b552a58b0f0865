/** HTTP header rules shared by every header source (subscription headers, auth.header, ...) and by redaction (pure). */

/** A token (RFC 9110 field name), at most 100 characters. */
export const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;

/** Visible ASCII, spaces and tabs only: no NUL, VT, line breaks or non-ASCII such as U+2028. */
export const HEADER_VALUE = /^[\t\x20-\x7E]*$/;

/** Headers the gateway sets itself on an outbound request; no header source may set them, in any case. */
const RESERVED_HEADER = /^(host|content-length|content-type|transfer-encoding|connection|user-agent|webhook-.*|x-webhook-.*)$/i;

/** The sentence shown when a reserved header is refused. */
export const RESERVED_HEADER_REASON = "cannot set Content-Type, Content-Length, Transfer-Encoding, Connection, User-Agent, Host, webhook-* or X-Webhook-* (any case)";

/** True when `name` is a header the gateway sets itself (compared case-insensitively). */
export function isReservedHeader(name: string): boolean {
  return RESERVED_HEADER.test(name);
}

/** True when `value` may be sent as a header value. */
export function isValidHeaderValue(value: string): boolean {
  return HEADER_VALUE.test(value);
}

/** Header names whose values are credentials in any request we log or show (compared case-insensitively). */
const CREDENTIAL_HEADER = /(^|-)(authorization|cookie|set-cookie|auth|token|secret|key|signature|session|credential)s?($|-)|^x-.*(auth|token|key|secret)/i;

/** True when a header named `name` likely carries a credential (Authorization, Cookie, X-Auth, X-Api-Key, …). */
export function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_HEADER.test(name);
}
