/** Expression templates (pure): parse and check when saved, compile once and cache, render over an event. */
import { compiled } from "./cache";
import type { TemplateScope } from "./expression";
import { renderTemplate } from "./render";

export { compiled, compiledFromJson } from "./cache";
export { checkTemplate, compileTemplate, type CompiledTemplate } from "./compile";
export { TemplateLimitError, TemplateSyntaxError } from "./errors";
export { compileExpression, type Evaluator, type TemplateScope } from "./expression";
export { TEMPLATE_FUNCTIONS, textOf } from "./functions";
export { MAX_OUTPUT_CHARS, MAX_VALUE_CHARS } from "./limits";
export { renderTemplate } from "./render";

/** Compiles (cached) and renders a template over a scope. */
export function render(template: unknown, scope: TemplateScope): unknown {
  return renderTemplate(compiled(template), scope);
}
