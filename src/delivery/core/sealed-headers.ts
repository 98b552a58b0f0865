/** Custom outbound header values sealed at rest and write-only: stored sealed per name, shown masked, opened only to send. */
import { openSecret, sealSecret } from "../../lib/secret-box";

/** What the API shows instead of a stored header value; sent back unchanged it keeps that value. */
export const HEADER_MASK = "********";

const SEALED = /^v1\.[^.]+\.[^.]+$/;

/** The sealing context of one header: the subscription id and the lower-cased name, so a value cannot move to another row or header. */
function context(subscriptionId: string, name: string): string {
  return `${subscriptionId}#header:${name.toLowerCase()}`;
}

/** Stored headers (`{name: sealed}`) from a column, case-insensitively indexed; legacy clear values are kept as they are. */
export function storedHeaders(column: string | null): Record<string, string> {
  return column ? (JSON.parse(column) as Record<string, string>) : {};
}

/** The API view: every stored name with its value masked. */
export function maskedHeaders(column: string | null): Record<string, string> {
  return Object.fromEntries(Object.keys(storedHeaders(column)).map((name) => [name, HEADER_MASK]));
}

/** Options for sealHeaders. */
export interface SealHeadersOptions {
  key: string;
  subscriptionId: string;
  /** The column stored before this change, whose values a masked input value keeps (null: none may be kept). */
  previous: string | null;
}

/**
 * Seals each value of `input` for the `headers` column. A value equal to HEADER_MASK keeps the
 * previously stored value of that name; the names of masked values with nothing to keep are
 * returned in `missing` (the caller refuses the request).
 */
export async function sealHeaders(input: Record<string, string>, options: SealHeadersOptions): Promise<{ column: string | null; missing: string[] }> {
  const previous = new Map(Object.entries(storedHeaders(options.previous)).map(([name, value]) => [name.toLowerCase(), value]));
  const out: Record<string, string> = {};
  const missing: string[] = [];
  for (const [name, value] of Object.entries(input)) {
    if (value === HEADER_MASK) {
      const kept = previous.get(name.toLowerCase());
      if (kept === undefined) missing.push(name);
      else out[name] = SEALED.test(kept) ? kept : await sealSecret(options.key, kept, context(options.subscriptionId, name));
      continue;
    }
    out[name] = await sealSecret(options.key, value, context(options.subscriptionId, name));
  }
  return { column: Object.keys(out).length ? JSON.stringify(out) : null, missing };
}

/** The header values in clear, for sending; values stored before sealing existed are used as they are. */
export async function openHeaders(column: string | null, key: string, subscriptionId: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(storedHeaders(column))) {
    out[name] = SEALED.test(value) ? await openSecret(key, value, context(subscriptionId, name)) : value;
  }
  return out;
}
