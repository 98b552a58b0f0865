// The layer rule of shared/DESIGN.md as data: each source file's layer, found from its path.
// Top to bottom: entry → routes and edges → publish, engines, services → stores, destinations, hub
// → events, auth, tenants, templates → core (pure), http, lib, config. Nothing imports upward.

/** Layers, lowest first; a file may import its own layer or any below. */
export const LAYERS = ["base", "domain", "store", "engine", "route", "entry"] as const;
export type Layer = (typeof LAYERS)[number];

/** [pattern over the path under src/, layer]; the first match wins. */
export const RULES: readonly [RegExp, Layer][] = [
  [/^(index|app|effects)\.ts$/, "entry"],
  [/(^|\/)api\//, "route"],
  [/(^|\/)([a-z-]+-)?routes\.ts$/, "route"],
  [/(^|\/)middleware\.ts$/, "route"],
  [/^guard\.ts$/, "route"],
  // Reads the scope each route's middleware registers, to write the OpenAPI document's security.
  [/^auth\/openapi-security\.ts$/, "route"],
  // The automation barrel: its routes and the Workflow class, for the entry only.
  [/^automation\/index\.ts$/, "route"],
  [/^dashboard\//, "route"],
  [/^delivery\/(consumer|sweeper)\.ts$/, "route"],
  [/^delivery\/(store|destinations|modes)\//, "store"],
  [/^delivery\/core\//, "base"],
  [/^delivery\/template\.ts$/, "domain"],
  [/^(publish\.ts|delivery\/|actions\/|sources\/|ops\/|stream\/|limits\/|automation\/|integrations\/|inspector\/)/, "engine"],
  [/^(events|auth|tenants|templates)\//, "domain"],
  [/^(http|lib)\/|^config\.ts$/, "base"],
];

/** The layer of a path under src/ (e.g. `delivery/engine.ts`), or null when no rule names it. */
export function layerOf(path: string): Layer | null {
  return RULES.find(([pattern]) => pattern.test(path))?.[1] ?? null;
}

/** The relative specifiers a TypeScript source imports or re-exports (type-only ones included). */
export function importsOf(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?\bfrom\s*["'](\.{1,2}\/[^"']+)["']/g)) found.push(m[1]!);
  for (const m of source.matchAll(/(?:^|\n)\s*import\s*["'](\.{1,2}\/[^"']+)["']/g)) found.push(m[1]!);
  for (const m of source.matchAll(/\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g)) found.push(m[1]!);
  return found;
}

/** An import that breaks the rule. */
export interface Violation {
  from: string;
  to: string;
  why: string;
}

/** Upward imports and unclassified files of a graph (path → imported paths, all under src/). */
export function upwardImports(graph: ReadonlyMap<string, readonly string[]>): Violation[] {
  const out: Violation[] = [];
  for (const [from, targets] of graph) {
    const a = layerOf(from);
    if (a === null) out.push({ from, to: "", why: "no layer rule names this file" });
    for (const to of targets) {
      const b = layerOf(to);
      if (a !== null && b !== null && LAYERS.indexOf(b) > LAYERS.indexOf(a)) out.push({ from, to, why: `${a} imports ${b}` });
    }
  }
  return out;
}

/** Every import cycle of a graph, each as the list of files around it. */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return found;
}
