// The layer rule over src/'s real import graph: no upward import, no cycle, every file in a layer.
// The rule's own logic is checked on small graphs, so the test can fail.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cycles, importsOf, layerOf, upwardImports } from "./layers.ts";

const SRC = join(dirname(fileURLToPath(import.meta.url)), "../../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []));
}

/** path under src/ → the src/ files it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const targets = importsOf(readFileSync(file, "utf8")).map((spec) => {
      const resolved = normalize(join(dirname(file), spec));
      // A specifier names a .ts or .tsx file (JSX pages), or a folder's index.ts.
      const siblings = sourceFiles(dirname(resolved));
      const target = [resolved, `${resolved}.ts`, `${resolved}.tsx`].find((f) => siblings.includes(f));
      return relative(SRC, target ?? join(resolved, "index.ts"));
    });
    graph.set(relative(SRC, file), targets);
  }
  return graph;
}

describe("layers over src/", () => {
  const graph = importGraph();

  it("reads the real graph", () => {
    expect(graph.get("delivery/engine.ts")).toContain("delivery/store/claims.ts");
    expect(graph.get("index.ts")).toContain("app.ts");
  });

  it("has no upward import and names every file's layer", () => {
    expect(upwardImports(graph)).toEqual([]);
  });

  it("has no import cycle", () => {
    expect(cycles(graph)).toEqual([]);
  });
});

describe("the rule itself", () => {
  it("places files by path", () => {
    expect(layerOf("delivery/api/subscriptions.ts")).toBe("route");
    expect(layerOf("delivery/engine.ts")).toBe("engine");
    expect(layerOf("delivery/store/claims.ts")).toBe("store");
    expect(layerOf("delivery/destinations/queue.ts")).toBe("store");
    expect(layerOf("delivery/core/outcome.ts")).toBe("base");
    expect(layerOf("http/context.ts")).toBe("base");
    expect(layerOf("auth/principal.ts")).toBe("domain");
    expect(layerOf("nowhere/x.ts")).toBeNull();
  });

  it("finds upward imports, unplaced files and cycles", () => {
    const bad = new Map([
      ["http/context.ts", ["auth/principal.ts"]],
      ["auth/principal.ts", []],
      ["nowhere/x.ts", []],
      ["delivery/store/a.ts", ["delivery/store/b.ts"]],
      ["delivery/store/b.ts", ["delivery/store/a.ts"]],
    ]);
    expect(upwardImports(bad).map((v) => v.why)).toEqual(["base imports domain", "no layer rule names this file"]);
    expect(cycles(bad)).toEqual([["delivery/store/a.ts", "delivery/store/b.ts", "delivery/store/a.ts"]]);
  });

  it("reads every import form", () => {
    const source = `import type { A } from "./a";\nimport {\n  B,\n} from "../b";\nexport { C } from "./c";\nimport "./d";\nconst e = await import("./e");\nimport { z } from "zod";`;
    expect(importsOf(source)).toEqual(["./a", "../b", "./c", "./d", "./e"]);
  });
});
