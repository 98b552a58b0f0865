/** The deliberate limits of templates: sizes of expressions, output and intermediate strings. */

/** Characters of one `{{ … }}` expression. */
export const MAX_EXPRESSION_CHARS = 1_000;
/** Nesting depth of one expression's syntax tree. */
export const MAX_EXPRESSION_DEPTH = 32;
/** Characters of any string an expression produces (a concatenation, json(), upper()). */
export const MAX_VALUE_CHARS = 262_144;
/** Characters of a whole rendered template (its JSON). */
export const MAX_OUTPUT_CHARS = 1_048_576;
/** Compiled templates kept in the cache. */
export const CACHE_ENTRIES = 500;
/** Property names never readable from a template (prototype access). */
export const FORBIDDEN_PROPERTIES: ReadonlySet<string> = new Set(["constructor", "__proto__", "prototype", "__defineGetter__", "__defineSetter__", "__lookupGetter__", "__lookupSetter__"]);
