// Types of cli/codegen/generate.mjs for TypeScript callers (the e2e test that keeps the client current).
export const SCHEMA_FILE: string;
export const OPENAPI_PATH: string;
export function generateSchema(document: unknown): Promise<string>;
export function documentFromUrl(origin: string): Promise<unknown>;
export function documentFromWorker(): Promise<unknown>;
