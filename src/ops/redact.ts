/** Redaction (pure): hides the values of sensitive fields in bodies, query strings and audit details. */
import { isCredentialHeader } from "../lib/header-rules";
import { looksLikeUrl, redactUrl } from "../lib/redact-url";

/** What a hidden value is replaced with. */
export const REDACTED = "[REDACTED]";
const MAX_DEPTH = 8;

const normalise = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, "");

/** Decides whether a field name is sensitive. */
export type FieldMatcher = (name: string) => boolean;

const matchers = new WeakMap<readonly string[], FieldMatcher>();

/**
 * A matcher for a field list: a name matches when, lowercased and without punctuation, it ends
 * with a listed name (`key` covers `apiKey`, `X-API-Key`, `privateKey`; `secret` covers
 * `clientSecret`, `webhook_secret`). Erring towards hiding too much is the safe side.
 */
export function fieldMatcher(fields: readonly string[]): FieldMatcher {
  let matcher = matchers.get(fields);
  if (!matcher) {
    const suffixes = fields.map(normalise).filter(Boolean);
    matcher = (name) => {
      const n = normalise(name);
      return suffixes.some((s) => n.endsWith(s));
    };
    matchers.set(fields, matcher);
  }
  return matcher;
}

/**
 * A deep copy of `value` with every sensitive field's value replaced — listed field names and
 * credential-like header names holding a string (`Cookie`, `X-Auth`, …) — and every url string passed through
 * redactUrl (userinfo, query values, token-like path segments). Nesting beyond 8 levels is elided.
 */
export function redact(value: unknown, isSensitive: FieldMatcher, depth = 0): unknown {
  if (typeof value === "string") return looksLikeUrl(value) ? redactUrl(value) : value;
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return "[…]";
  if (Array.isArray(value)) return value.map((item) => redact(item, isSensitive, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = isSensitive(key) || (typeof v === "string" && isCredentialHeader(key)) ? REDACTED : redact(v, isSensitive, depth + 1);
  return out;
}

/** Query parameters as an object with sensitive values hidden (`?api_key=` never reaches a log); null when empty. */
export function redactQuery(search: string, isSensitive: FieldMatcher): Record<string, string> | null {
  const params = new URLSearchParams(search);
  let out: Record<string, string> | null = null;
  for (const [key, value] of params) {
    out ??= {};
    out[key] = isSensitive(key) ? REDACTED : value;
  }
  return out;
}
