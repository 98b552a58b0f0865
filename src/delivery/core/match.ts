/** Which events a subscription receives (pure): event-type patterns and payload filters. */

/** An event type pattern: an exact type, `prefix.*` (any type under the prefix), or `*`. */
export const EVENT_PATTERN = /^(\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_:-]+)*(\.\*)?)$/;
/** An event type (no wildcards). */
export const EVENT_TYPE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_:-]+)*$/;

/** True when `type` matches `pattern`: equal, `*`, or `prefix.*` with type starting `prefix.`. */
export function matchesPattern(pattern: string, type: string): boolean {
  if (pattern === "*" || pattern === type) return true;
  return pattern.endsWith(".*") && type.startsWith(pattern.slice(0, -1));
}

/** True when any of the patterns matches. */
export function matchesAnyPattern(patterns: readonly string[], type: string): boolean {
  return patterns.some((pattern) => matchesPattern(pattern, type));
}

/** Comparison operators of the contract's filters. */
export const FILTER_OPERATORS = ["equals", "not_equals", "in", "not_in", "greater_than", "less_than", "contains", "exists"] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/** One condition on a field of the event body (`data.user.plan`, `type`, `metadata.source`). */
export interface FilterCondition {
  field: string;
  operator: FilterOperator;
  value?: unknown;
}

/** `all` conditions must hold and at least one of `any`; a condition may itself be a group. */
export interface FilterGroup {
  all?: FilterNode[];
  any?: FilterNode[];
}

export type FilterNode = FilterCondition | FilterGroup;

/** The value at a dotted path (`data.items.0.sku`), or undefined when any step is missing. */
export function valueAt(root: unknown, path: string): unknown {
  let current: unknown = root;
  for (const key of path.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    if (!Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Structural equality of JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  return keys.length === Object.keys(right).length && keys.every((k) => Object.hasOwn(right, k) && jsonEqual(left[k], right[k]));
}

function ordered(actual: unknown, expected: unknown): number | null {
  if (typeof actual === "number" && typeof expected === "number") return actual - expected;
  if (typeof actual === "string" && typeof expected === "string") return actual < expected ? -1 : actual > expected ? 1 : 0;
  return null;
}

/** Evaluates one condition against a value found at its field. */
export function testCondition(condition: FilterCondition, actual: unknown): boolean {
  const expected = condition.value;
  switch (condition.operator) {
    case "equals":
      return actual !== undefined && jsonEqual(actual, expected);
    case "not_equals":
      return !jsonEqual(actual, expected);
    case "in":
      return Array.isArray(expected) && actual !== undefined && expected.some((v) => jsonEqual(actual, v));
    case "not_in":
      return Array.isArray(expected) && !expected.some((v) => jsonEqual(actual, v));
    case "greater_than": {
      const cmp = ordered(actual, expected);
      return cmp !== null && cmp > 0;
    }
    case "less_than": {
      const cmp = ordered(actual, expected);
      return cmp !== null && cmp < 0;
    }
    case "contains":
      if (typeof actual === "string") return typeof expected === "string" && actual.includes(expected);
      if (Array.isArray(actual)) return actual.some((v) => jsonEqual(v, expected));
      return false;
    case "exists": {
      const present = actual !== undefined && actual !== null;
      return expected === false ? !present : present;
    }
  }
}

function isGroup(node: FilterNode): node is FilterGroup {
  return !("operator" in node);
}

/** True when the event body satisfies the filter (no filter: always). */
export function matchesFilter(filter: FilterGroup | null | undefined, body: unknown): boolean {
  if (!filter) return true;
  const check = (node: FilterNode): boolean => (isGroup(node) ? matchesFilter(node, body) : testCondition(node, valueAt(body, node.field)));
  if (filter.all && !filter.all.every(check)) return false;
  if (filter.any && filter.any.length > 0 && !filter.any.some(check)) return false;
  return true;
}
