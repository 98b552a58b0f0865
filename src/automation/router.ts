/** The rule router (pure): an event and the enabled rules → the rules it starts, in order. */
import { matchesAnyPattern, matchesFilter } from "../delivery/core/match";
import type { WireEvent } from "../events/store";
import type { Rule } from "./model";

/** The order rules are walked in: priority (higher first), then age (older first), then id. */
export function compareRules(a: Rule, b: Rule): number {
  return b.priority - a.priority || a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** True when the rule's trigger (patterns, then the filter over the wire event) accepts the event. */
export function triggerMatches(rule: Rule, event: WireEvent): boolean {
  return matchesAnyPattern(rule.trigger.events, event.type) && matchesFilter(rule.trigger.filter ?? null, event);
}

/**
 * The enabled rules of the event's tenant (`tenantId`, by default the event's own) that match it,
 * in walking order; a match with stopProcessing ends the walk (it is included, the rest are not).
 * Another tenant's rule never runs on the event.
 */
export function routeEvent(event: WireEvent, rules: readonly Rule[], tenantId: string = event.tenantId): Rule[] {
  const candidates = rules.filter((r) => r.enabled && r.tenantId === tenantId && matchesAnyPattern(r.trigger.events, event.type));
  if (candidates.length === 0) return candidates;
  const matched: Rule[] = [];
  for (const rule of [...candidates].sort(compareRules)) {
    if (!matchesFilter(rule.trigger.filter ?? null, event)) continue;
    matched.push(rule);
    if (rule.stopProcessing) break;
  }
  return matched;
}

/** The run id of a rule started by an event: also the Workflow instance id, so a rule starts once per event. */
export function runId(ruleId: string, eventId: string): string {
  return `${ruleId}-${eventId}`;
}
