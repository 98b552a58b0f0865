/** Maps zod validation failures to the contract's SCHEMA_VALIDATION_ERROR details. */
import type { z } from "zod";
import { AppError } from "./errors";

/** One field problem: dotted path and reason. */
export interface FieldIssue {
  field: string;
  reason: string;
}

/** Turns zod issues into `{field, reason}` pairs with dotted paths (`tags.0`, `(root)` for the whole body). */
export function toFieldIssues(issues: readonly z.core.$ZodIssue[]): FieldIssue[] {
  return issues.map((issue) => {
    const field = issue.path.map(String).join(".") || "(root)";
    if (issue.code === "unrecognized_keys") {
      return { field: issue.keys.map((k) => (field === "(root)" ? k : `${field}.${k}`)).join(","), reason: `unknown field(s): ${issue.keys.join(", ")}` };
    }
    return { field, reason: issue.message };
  });
}

/** The AppError for a failed parse of `target` (json, query, param, header). */
export function schemaError(error: z.ZodError, target: string): AppError {
  const issues = toFieldIssues(error.issues);
  const first = issues[0] ?? { field: "(root)", reason: "invalid" };
  return new AppError("SCHEMA_VALIDATION_ERROR", `Invalid ${target === "json" ? "body" : target}: ${first.field}: ${first.reason}`, {
    details: { field: first.field, reason: first.reason, issues },
  });
}
