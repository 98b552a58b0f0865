/** Rendering a compiled template over a scope, within the output limit. */
import type { CompiledNode, CompiledTemplate } from "./compile";
import { TemplateLimitError } from "./errors";
import type { TemplateScope } from "./expression";
import { textOf } from "./functions";
import { MAX_OUTPUT_CHARS } from "./limits";

/** Per render: characters produced so far and the JSON size of each object value already counted. */
interface Budget {
  used: number;
  sizes: WeakMap<object, number> | null;
}

function spend(budget: Budget, chars: number): void {
  budget.used += chars;
  if (budget.used > MAX_OUTPUT_CHARS) throw new TemplateLimitError(`the rendered template is longer than ${MAX_OUTPUT_CHARS} characters`);
}

function spendValue(budget: Budget, value: unknown): void {
  if (typeof value === "string") return spend(budget, value.length);
  if (value === null || typeof value !== "object") return spend(budget, 8);
  budget.sizes ??= new WeakMap();
  let size = budget.sizes.get(value);
  if (size === undefined) {
    size = JSON.stringify(value)?.length ?? 4;
    budget.sizes.set(value, size);
  }
  spend(budget, size);
}

function renderNode(node: CompiledNode, scope: TemplateScope, budget: Budget): unknown {
  switch (node.kind) {
    case "value":
      if (typeof node.value === "string") spend(budget, node.value.length);
      return node.value;
    case "whole": {
      const value = node.evaluate(scope);
      spendValue(budget, value);
      return value === undefined ? null : value;
    }
    case "text": {
      let out = "";
      for (const part of node.parts) out += typeof part === "string" ? part : textOf(part(scope));
      spend(budget, out.length);
      return out;
    }
    case "array":
      return node.items.map((item) => renderNode(item, scope, budget));
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [key, item] of node.entries) out[key] = renderNode(item, scope, budget);
      return out;
    }
  }
}

/**
 * Renders a compiled template: a whole-string placeholder keeps its value's JSON type (null when
 * missing); placeholders inside text are replaced by their text. Throws TemplateLimitError past the
 * output limit.
 */
export function renderTemplate(compiled: CompiledTemplate, scope: TemplateScope): unknown {
  return renderNode(compiled.root, scope, { used: 0, sizes: null });
}
