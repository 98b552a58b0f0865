// Types of scripts/schema.mjs.
export const SCHEMA_PATH: string;
export function schemaStatements(path?: string): string[];
