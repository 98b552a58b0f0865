// A minimal valid value of a JSON Schema (as in the OpenAPI document), for tests that call every operation.

/** The parts of JSON Schema the document uses. */
export interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  minItems?: number;
  minLength?: number;
  minimum?: number;
  format?: string;
  pattern?: string;
  default?: unknown;
  example?: unknown;
}

/** A small value that satisfies `schema` where it can: required properties only, first enum values. */
export function sampleBody(schema: Schema, components: Record<string, Schema>, depth = 0): unknown {
  if (depth > 8) return null;
  if (schema.$ref) return sampleBody(components[schema.$ref.split("/").pop()!] ?? {}, components, depth + 1);
  if (schema.example !== undefined) return schema.example;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const choice = schema.anyOf ?? schema.oneOf;
  if (choice?.length) return sampleBody(choice.find((s) => s.type !== "null") ?? choice[0]!, components, depth + 1);
  if (schema.allOf?.length) return Object.assign({}, ...schema.allOf.map((s) => sampleBody(s, components, depth + 1) as object));
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const name of schema.required ?? []) out[name] = sampleBody(schema.properties?.[name] ?? {}, components, depth + 1);
      return out;
    }
    case "array":
      return Array.from({ length: schema.minItems ?? 0 }, () => sampleBody(schema.items ?? {}, components, depth + 1));
    case "integer":
    case "number":
      return Math.max(1, schema.minimum ?? 1);
    case "boolean":
      return false;
    case "string":
      if (schema.format === "uri" || schema.format === "url") return "https://example.com/hook";
      if (schema.format === "date-time") return new Date(Date.now() + 3_600_000).toISOString();
      return "x".repeat(Math.max(1, schema.minLength ?? 1));
    default:
      return {};
  }
}
