/** Compiled templates kept by their JSON text, so each one is parsed once per isolate. */
import { compileTemplate, type CompiledTemplate } from "./compile";
import { CACHE_ENTRIES } from "./limits";

const cache = new Map<string, CompiledTemplate>();
/** The same template object (a preset, an integration's body) skips even the JSON text. */
const byObject = new WeakMap<object, CompiledTemplate>();

/** The compiled form of a template given as its JSON text (least recently used entries leave first). */
export function compiledFromJson(json: string): CompiledTemplate {
  const hit = cache.get(json);
  if (hit) {
    cache.delete(json);
    cache.set(json, hit);
    return hit;
  }
  const compiled = compileTemplate(JSON.parse(json));
  cache.set(json, compiled);
  if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  return compiled;
}

/** The compiled form of a template value (cached by identity, then by its JSON text). A cached object must not be mutated. */
export function compiled(template: unknown): CompiledTemplate {
  if (template === null || typeof template !== "object") return compiledFromJson(JSON.stringify(template ?? null));
  let hit = byObject.get(template);
  if (!hit) {
    hit = compiledFromJson(JSON.stringify(template));
    byObject.set(template, hit);
  }
  return hit;
}
