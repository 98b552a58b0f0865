// Types for scripts/schema.mjs.
export const SCHEMA_PATH: string;
/** The statements of schema.sql without comments, in file order. */
export function schemaStatements(path?: string): string[];
