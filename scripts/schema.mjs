// Reads schema.sql and splits it into statements (one ends with ";" at the end of a line).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const SCHEMA_PATH = fileURLToPath(new URL("../schema.sql", import.meta.url));

/** The statements of schema.sql without comments, in file order. */
export function schemaStatements(path = SCHEMA_PATH) {
  const text = readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => !line.trim().startsWith("--"))
    .join("\n");
  return text
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter(Boolean);
}
