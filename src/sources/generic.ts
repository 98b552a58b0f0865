/** Generic HMAC: a configured header carrying `[prefix]<hex|base64 HMAC-SHA256|SHA512 of the body>`. */
import { compact, eventTypeSuffix, type SourceProvider } from "./provider";
import { header, matchHmac, mismatch, missing, refuse, VERIFIED, type GenericOptions } from "./signature";

/** The generic scheme when nothing else is configured: `X-Signature: <hex HMAC-SHA256>`. */
export const DEFAULT_GENERIC_OPTIONS: GenericOptions = {
  header: "X-Signature",
  algorithm: "sha256",
  encoding: "hex",
  prefix: "",
  eventTypeHeader: null,
  deliveryIdHeader: null,
};

/** A generic scheme from the fields given (undefined or null header fields take DEFAULT_GENERIC_OPTIONS). Pure. */
export function genericOptions(given: { [K in keyof GenericOptions]?: GenericOptions[K] | null }): GenericOptions {
  return {
    header: given.header ?? DEFAULT_GENERIC_OPTIONS.header,
    algorithm: given.algorithm ?? DEFAULT_GENERIC_OPTIONS.algorithm,
    encoding: given.encoding ?? DEFAULT_GENERIC_OPTIONS.encoding,
    prefix: given.prefix ?? DEFAULT_GENERIC_OPTIONS.prefix,
    eventTypeHeader: given.eventTypeHeader ?? null,
    deliveryIdHeader: given.deliveryIdHeader ?? null,
  };
}

/**
 * The signatures in a header value: entries separated by commas or whitespace (several during a
 * sender's own rotation), each required to start with the prefix, which is removed.
 */
export function genericCandidates(value: string, prefix: string): string[] {
  return value
    .split(/[\s,]+/)
    .filter((entry) => entry !== "" && entry.startsWith(prefix))
    .map((entry) => entry.slice(prefix.length))
    .filter((entry) => entry !== "");
}

/** Any sender that signs the body with a shared secret. */
export const generic: SourceProvider = {
  name: "generic",
  title: "Generic HMAC",

  async verify(request, settings) {
    const options = settings.generic ?? DEFAULT_GENERIC_OPTIONS;
    const value = header(request.headers, options.header);
    if (!value) return missing(options.header);
    const candidates = genericCandidates(value, options.prefix);
    if (candidates.length === 0) return refuse("malformed_signature", `${options.header} has no signature${options.prefix ? ` starting with "${options.prefix}"` : ""}`);
    const hash = options.algorithm === "sha512" ? "SHA-512" : "SHA-256";
    const ok = await matchHmac({ keys: settings.secrets, message: request.body, candidates, hash, encoding: options.encoding });
    return ok ? VERIFIED : mismatch(options.header);
  },

  /** `generic.<event type header>` or `generic.webhook`; deduplicated by the delivery id header, else the body hash. */
  interpret(headers, _payload, settings) {
    const options = settings.generic ?? DEFAULT_GENERIC_OPTIONS;
    const type = options.eventTypeHeader ? header(headers, options.eventTypeHeader) : null;
    const deliveryId = options.deliveryIdHeader ? header(headers, options.deliveryIdHeader) : null;
    return { kind: "event", type: eventTypeSuffix(type ?? undefined), deliveryId: deliveryId ?? undefined, metadata: compact({ deliveryId, eventType: type }) };
  },
};
