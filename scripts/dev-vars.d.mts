// Types of scripts/dev-vars.mjs for TypeScript callers (e2e tests).

/** Parses dotenv text into an object. */
export function parseDotenv(text: string): Record<string, string>;
/** The `[vars]` names and `secrets.required` (null without a `[secrets]` table) of a wrangler.toml. */
export function readWranglerToml(toml: string): { vars: string[]; requiredSecrets: string[] | null };
/** The .dev.vars keys that never reach the Worker, and those edgehook does not read. */
export function checkDevVars(input: { devVars: Record<string, string>; vars: string[]; requiredSecrets: string[] | null; known: string[] }): { dropped: string[]; unknown: string[] };
