/** The functions a template may call: upper, lower, json, default, date, len (nothing else). */
import { TemplateLimitError } from "./errors";
import { MAX_VALUE_CHARS } from "./limits";

/** One callable: how many arguments it takes and what it does. */
interface TemplateFunction {
  minArgs: number;
  maxArgs: number;
  call: (args: unknown[]) => unknown;
}

/** The text of a value as it appears inside a longer string ("" for null/undefined, JSON for objects). */
export function textOf(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** Throws when a produced string is over the per-value limit. */
export function bounded(text: string): string {
  if (text.length > MAX_VALUE_CHARS) throw new TemplateLimitError(`a template value is longer than ${MAX_VALUE_CHARS} characters`);
  return text;
}

const DATE_FORMATS = ["iso", "unix", "unix_ms"] as const;

/** Milliseconds since the epoch of an ISO string or a number (≥ 1e12 read as ms, else seconds); null when not a date. */
function epochMs(value: unknown): number | null {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number" && Number.isFinite(value)) return value >= 1e12 ? value : value * 1000;
  if (typeof value === "string" && value.length <= 64) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

function formatDate(value: unknown, format: unknown): unknown {
  const ms = epochMs(value);
  if (ms === null) return null;
  const fmt = format === undefined ? "iso" : format;
  if (fmt === "unix") return Math.floor(ms / 1000);
  if (fmt === "unix_ms") return ms;
  if (fmt === "iso") return new Date(ms).toISOString();
  return null;
}

function length(value: unknown): number {
  if (typeof value === "string" || Array.isArray(value)) return value.length;
  if (value !== null && typeof value === "object") return Object.keys(value).length;
  return 0;
}

/** The whitelist: a call to any other name does not parse. */
export const TEMPLATE_FUNCTIONS: Readonly<Record<string, TemplateFunction>> = Object.freeze({
  upper: { minArgs: 1, maxArgs: 1, call: ([v]) => bounded(textOf(v).toUpperCase()) },
  lower: { minArgs: 1, maxArgs: 1, call: ([v]) => bounded(textOf(v).toLowerCase()) },
  json: { minArgs: 1, maxArgs: 1, call: ([v]) => bounded(JSON.stringify(v === undefined ? null : v)) },
  default: { minArgs: 2, maxArgs: 2, call: ([v, fallback]) => (v === undefined || v === null || v === "" ? fallback : v) },
  date: { minArgs: 1, maxArgs: 2, call: ([v, format]) => formatDate(v, format) },
  len: { minArgs: 1, maxArgs: 1, call: ([v]) => length(v) },
});

/** The date formats date() accepts as its second argument. */
export const TEMPLATE_DATE_FORMATS: readonly string[] = DATE_FORMATS;

/** The function of a name, or undefined when it is not on the list. */
export function templateFunction(name: string): TemplateFunction | undefined {
  return Object.hasOwn(TEMPLATE_FUNCTIONS, name) ? TEMPLATE_FUNCTIONS[name] : undefined;
}
