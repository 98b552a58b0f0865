/** Tiny builders for the JSON Schemas (draft 2020-12) of the event catalogue. */

/** A JSON Schema as a plain object. */
export type JsonSchema = Readonly<Record<string, unknown>>;

export const STRING: JsonSchema = { type: "string" };
export const NUMBER: JsonSchema = { type: "number" };
export const INTEGER: JsonSchema = { type: "integer" };
export const BOOLEAN: JsonSchema = { type: "boolean" };
export const DATE_TIME: JsonSchema = { type: "string", format: "date-time" };
/** Any JSON value. */
export const ANY: JsonSchema = {};

/** A string that may also be null. */
export const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: "null" }] });
/** One of the listed strings. */
export const oneOf = (...values: string[]): JsonSchema => ({ type: "string", enum: values });
/** An array of items. */
export const arrayOf = (items: JsonSchema): JsonSchema => ({ type: "array", items });

/** An object with these properties, of which `required` must be present (other properties are allowed). */
export function objectSchema(properties: Record<string, JsonSchema>, required: string[] = Object.keys(properties)): JsonSchema {
  return { type: "object", properties, required };
}
