/** D1's production size limits, asserted locally (miniflare enforces neither): a regression fails in tests, not in production. */

/** Longest string or BLOB D1 stores, and the largest row (bytes). */
export const D1_MAX_VALUE_BYTES = 2_000_000;
/** Longest SQL text of one statement (bytes). */
export const D1_MAX_STATEMENT_BYTES = 100_000;

const ENCODER = new TextEncoder();

/** Thrown when a statement would break a D1 limit in production. */
export class D1LimitError extends Error {
  override name = "D1LimitError";
}

/** UTF-8 size of a string without encoding it when it is clearly small or clearly large. */
export function utf8Bytes(text: string): number {
  return ENCODER.encode(text).byteLength;
}

function valueBytes(value: unknown): number {
  if (typeof value === "string") return value.length * 3 <= D1_MAX_VALUE_BYTES ? value.length : utf8Bytes(value);
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  return 8;
}

/** Asserts the SQL text of a statement fits D1's statement limit. */
export function assertStatementSize(sql: string): void {
  const bytes = sql.length * 3 <= D1_MAX_STATEMENT_BYTES ? sql.length : utf8Bytes(sql);
  if (bytes > D1_MAX_STATEMENT_BYTES) throw new D1LimitError(`SQL statement of ${bytes} bytes exceeds D1's ${D1_MAX_STATEMENT_BYTES}-byte limit: ${sql.slice(0, 80)}…`);
}

/**
 * Asserts every bound value fits D1's string/BLOB limit and all of them together fit its row
 * limit (the values one statement binds are at most one row's worth for the writes we make).
 */
export function assertBoundValues(values: readonly unknown[]): void {
  let total = 0;
  values.forEach((value, i) => {
    const bytes = valueBytes(value);
    if (bytes > D1_MAX_VALUE_BYTES) throw new D1LimitError(`bound value ?${i + 1} of ${bytes} bytes exceeds D1's ${D1_MAX_VALUE_BYTES}-byte string/BLOB limit`);
    total += bytes;
  });
  if (total > D1_MAX_VALUE_BYTES) throw new D1LimitError(`bound values of ${total} bytes exceed D1's ${D1_MAX_VALUE_BYTES}-byte row limit`);
}

const guarded = new WeakMap<D1Database, D1Database>();

/**
 * The database with D1's limits asserted on every prepare and bind. Statements stay the real
 * D1 objects, so batch() accepts them; one wrapper per database object.
 */
export function withD1Limits(db: D1Database): D1Database {
  let wrapped = guarded.get(db);
  if (wrapped) return wrapped;
  wrapped = new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") {
        return (sql: string) => {
          assertStatementSize(sql);
          const statement = target.prepare(sql);
          const bind = statement.bind.bind(statement);
          statement.bind = (...values: unknown[]) => {
            assertBoundValues(values);
            return bind(...values);
          };
          return statement;
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  guarded.set(db, wrapped);
  return wrapped;
}
