/** The one adapter to the template module: switching template engines is a change here only. */
import { fillTemplate } from "../delivery/template";

/** Renders a JSON value whose strings may hold `{{path}}` placeholders over `scope`. */
export function renderTemplate(template: unknown, scope: Record<string, unknown>): unknown {
  return fillTemplate(template, scope);
}
