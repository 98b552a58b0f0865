/** The one adapter to the template module: switching template engines is a change here only. */
import { fillTemplate, refineTemplate } from "../delivery/template";

/** Renders a JSON value whose strings may hold `{{path}}` placeholders over `scope`. */
export function renderTemplate(template: unknown, scope: Record<string, unknown>): unknown {
  return fillTemplate(template, scope);
}

/** zod refinement: an issue at the failing path when a template in `value` does not parse. */
export const refineTemplates = refineTemplate;
