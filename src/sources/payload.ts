/** Reads a verified raw body as the event's data: JSON objects as they are, forms as fields, anything else under `body`. */
import { MAX_JSON_DEPTH, jsonTooDeep } from "../lib/json-depth";

/** How the body was read. */
export type PayloadFormat = "json" | "form" | "text" | "empty";

/** The body as event data. */
export interface ParsedPayload {
  format: PayloadFormat;
  data: Record<string, unknown>;
}

/** The outcome of parsePayload: a JSON content type with a body that does not parse is an error. */
export type ParseResult = { ok: true; payload: ParsedPayload } | { ok: false; message: string };

const DECODER = new TextDecoder();

function mediaType(contentType: string | null): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

function isJsonType(type: string): boolean {
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

/** Form fields as an object; a repeated field becomes an array of its values in order. */
export function formFields(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const prior = out[key];
    if (prior === undefined) out[key] = value;
    else out[key] = Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  return out;
}

/**
 * Parses the body by its Content-Type. JSON (or no type and a body that parses as JSON): an object
 * is the data itself, any other JSON value goes under `body`. `application/x-www-form-urlencoded`:
 * the fields. Anything else: the text under `body`. Empty: `{}`.
 */
export function parsePayload(body: Uint8Array, contentType: string | null): ParseResult {
  const text = DECODER.decode(body);
  if (text.trim() === "") return { ok: true, payload: { format: "empty", data: {} } };
  const type = mediaType(contentType);
  if (type === "application/x-www-form-urlencoded") return { ok: true, payload: { format: "form", data: formFields(text) } };
  if (isJsonType(type) || type === "") {
    if (jsonTooDeep(text)) return { ok: false, message: `nests deeper than ${MAX_JSON_DEPTH} levels` };
    try {
      const value: unknown = JSON.parse(text);
      const data = value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : { body: value };
      return { ok: true, payload: { format: "json", data } };
    } catch (error) {
      if (type !== "") return { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
  }
  return { ok: true, payload: { format: "text", data: { body: text } } };
}
