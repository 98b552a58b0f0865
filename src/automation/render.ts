/** The step renderer (pure): a step's templates over {event, data, metadata, params, steps}, and conditions. */
import { matchesFilter, type FilterGroup } from "../delivery/core/match";
import type { WireEvent } from "../events/store";
import type { Step } from "./model";
import { renderTemplate } from "./template-engine";

/** What templates in a step see. `steps.<id>.output` is an earlier step's output. */
export interface RenderScope {
  event: WireEvent;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  params: Record<string, unknown>;
  steps: Record<string, { output: unknown }>;
}

/** The scope of a run's step: the triggering event, the rule's params, and earlier outputs. */
export function renderScope(event: WireEvent, params: Record<string, unknown>, outputs: Record<string, unknown> = {}): RenderScope {
  const steps = Object.fromEntries(Object.entries(outputs).map(([id, output]) => [id, { output }]));
  return { event, data: event.data, metadata: event.metadata ?? {}, params, steps };
}

/** Step fields that are configuration, never templates. */
const STRUCTURAL = new Set(["id", "kind", "retry", "timeoutMs", "if", "match", "event"]);

/**
 * The step with every template field rendered. Filters (`if`, `match`) are rendered only in
 * their values, when they are evaluated (renderFilter); `event` (a pattern) is not a template.
 */
export function renderStep<S extends Step>(step: S, scope: RenderScope): S {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(step)) out[key] = STRUCTURAL.has(key) ? value : renderTemplate(value, scope as unknown as Record<string, unknown>);
  return out as S;
}

/** A filter with its condition values rendered (`{"value": "{{data.number}}"}`); fields stay paths. */
export function renderFilter(filter: FilterGroup, scope: RenderScope): FilterGroup {
  const node = (n: unknown): unknown => {
    if (n === null || typeof n !== "object") return n;
    const record = n as Record<string, unknown>;
    if ("operator" in record) return "value" in record ? { ...record, value: renderTemplate(record.value, scope as unknown as Record<string, unknown>) } : record;
    return renderFilter(record as FilterGroup, scope);
  };
  const out: FilterGroup = {};
  if (filter.all) out.all = filter.all.map(node) as FilterGroup["all"];
  if (filter.any) out.any = filter.any.map(node) as FilterGroup["any"];
  return out;
}

/** A condition step's verdict: the rendered filter over the scope (`data.x`, `steps.check.output.status`, `params.y`). */
export function conditionHolds(filter: FilterGroup, scope: RenderScope): boolean {
  return matchesFilter(renderFilter(filter, scope), scope);
}

/** True when a wait's (already rendered) match filter accepts an event's wire body. */
export function waitAccepts(match: FilterGroup | null | undefined, event: WireEvent): boolean {
  return matchesFilter(match ?? null, event);
}
