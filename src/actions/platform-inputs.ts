/** What integration platforms send, read as the schema means it: "" as absent, "3" as 3, "a,b" as a list. */
import type { z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/context";
import { replaceJsonBody } from "../http/json-body";

type Def = { type: string; innerType?: z.ZodType; in?: z.ZodType; entries?: Record<string, string> };
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;
const WRAPPERS = new Set(["optional", "default", "nullable", "prefault", "readonly", "catch"]);

/** The schema under optional/default/nullable wrappers, and whether the field may be left out. */
function baseOf(schema: z.ZodType): { base: Def; optional: boolean } {
  let def = defOf(schema);
  let optional = false;
  for (;;) {
    if (WRAPPERS.has(def.type) && def.innerType) {
      optional ||= def.type === "optional" || def.type === "default" || def.type === "prefault";
      def = defOf(def.innerType);
    } else if (def.type === "pipe" && def.in) def = defOf(def.in);
    else return { base: def, optional };
  }
}

function coerce(value: unknown, base: Def): unknown {
  if (typeof value !== "string") return value;
  const text = value.trim();
  switch (base.type) {
    case "number":
      return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : value;
    case "boolean":
      return text === "true" ? true : text === "false" ? false : value;
    case "array":
      return text.split(",").map((s) => s.trim()).filter(Boolean);
    case "record":
    case "object":
      if (!text.startsWith("{")) return value;
      try {
        return JSON.parse(text);
      } catch {
        return value;
      }
    case "enum": {
      const options = Object.values(base.entries ?? {});
      return options.find((o) => o.toLowerCase() === text.toLowerCase()) ?? value;
    }
    default:
      return value;
  }
}

/**
 * A body as the platforms send it, made what `schema` means: an optional field that is "" or
 * null is absent (Zapier and Make send "" for unmapped fields); numeric strings become numbers,
 * comma-separated strings lists, JSON text objects, and enum values match case-insensitively
 * (form bodies carry only strings). Unknown fields and required ones are left to the schema.
 */
export function normaliseInput(body: unknown, schema: z.ZodObject): unknown {
  if (!body || typeof body !== "object" || Array.isArray(body)) return body;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const field = schema.shape[key] as z.ZodType | undefined;
    if (!field) {
      out[key] = value;
      continue;
    }
    const { base, optional } = baseOf(field);
    if (optional && (value === "" || value === null)) continue;
    out[key] = coerce(value, base);
  }
  return out;
}

/** Middleware: normalises the (JSON or form) body of an inbound action before its schema validates it. */
export function platformInputs(schema: z.ZodObject): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const body: unknown = await c.req.json();
    const normalised = normaliseInput(body, schema);
    if (normalised !== body) replaceJsonBody(c, normalised);
    await next();
  };
}
