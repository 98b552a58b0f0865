/** application/x-www-form-urlencoded bodies as the plain object a JSON body would be (IFTTT, n8n). */

/** True for `application/x-www-form-urlencoded`, with any parameters. */
export function isFormContentType(value: string | undefined | null): boolean {
  return !!value && value.split(";")[0]!.trim().toLowerCase() === "application/x-www-form-urlencoded";
}

/**
 * Decodes a form body: `a=1&a=2` and `a[]=1` become arrays, `data[k]=v` one level of object;
 * every value stays a string (the route's schema coerces numbers and lists).
 */
export function formToObject(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const nested = /^([^[\]]+)\[([^[\]]*)\]$/.exec(rawKey);
    if (nested && nested[2] !== "") {
      const parent = (out[nested[1]!] ??= Object.create(null)) as Record<string, unknown>;
      if (typeof parent === "object" && !Array.isArray(parent)) parent[nested[2]!] = value;
      continue;
    }
    const key = nested ? nested[1]! : rawKey;
    const existing = out[key];
    if (nested) out[key] = [...(Array.isArray(existing) ? existing : existing === undefined ? [] : [existing]), value];
    else if (existing === undefined) out[key] = value;
    else out[key] = [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return { ...out };
}
