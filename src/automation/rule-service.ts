/** Rule lifecycle past validation: new rules (with a sealed signing secret), merges, templates, dry runs. */
import { z } from "@hono/zod-openapi";
import type { Config } from "../config";
import { generateSecret } from "../delivery/destinations/signer";
import { reservedEventRefusal } from "../events/reserved";
import type { WireEvent } from "../events/store";
import { AppError } from "../http/errors";
import { schemaError } from "../http/validation";
import { newId } from "../lib/ids";
import { sealSecret } from "../lib/secret-box";
import { iso } from "../lib/time";
import type { Rule } from "./model";
import { conditionHolds, renderScope, renderStep } from "./render";
import { triggerMatches } from "./router";
import { CREATE_RULE, type CreateRuleInput, type UpdateRuleInput } from "./schemas";
import { RULE_TEMPLATES, resolveParams } from "./templates";

/**
 * Why a non-admin caller may not save these steps, or null: a `publish` step's type must be a
 * literal outside the gateway's reserved namespaces (as for POST /events), or a rule would forge
 * provider and system events with the gateway's signature.
 */
export function publishStepRefusal(steps: Rule["steps"]): { message: string; details: Record<string, unknown> } | null {
  for (const step of steps) {
    if (step.kind !== "publish") continue;
    if (step.type.includes("{{")) return { message: `Step "${step.id}": a publish step's type must be literal`, details: { field: `steps.${step.id}.type` } };
    const refusal = reservedEventRefusal(step.type, undefined);
    if (refusal) return { message: `Step "${step.id}": ${refusal.message}`, details: { ...refusal.details, field: `steps.${step.id}.type` } };
  }
  return null;
}

/** A new rule of `tenantId` from validated input, its signing secret, and that secret sealed for storage. */
export async function newRule(input: CreateRuleInput, config: Config, now: number, template: string | null, tenantId: string): Promise<{ rule: Rule; secret: string; secretEnc: string }> {
  const id = newId("rule");
  const secret = generateSecret();
  const rule: Rule = { ...fields(input), id, tenantId, template, createdAt: now, updatedAt: now };
  return { rule, secret, secretEnc: await sealSecret(config.encryptionKey, secret, `rule:${id}`) };
}

function fields(input: CreateRuleInput) {
  return {
    name: input.name,
    description: input.description ?? null,
    trigger: { events: input.trigger.events, filter: input.trigger.filter ?? null },
    priority: input.priority,
    enabled: input.enabled,
    stopProcessing: input.stopProcessing,
    params: input.params,
    steps: input.steps,
  };
}

/** PUT: every field replaced (omitted ones get defaults). */
export function replacedRule(rule: Rule, input: CreateRuleInput, now: number): Rule {
  return { ...rule, ...fields(input), updatedAt: now };
}

/** PATCH: the given fields changed; the result is validated as a whole. */
export function patchedRule(rule: Rule, patch: UpdateRuleInput, now: number): Rule {
  const merged = { name: rule.name, description: rule.description, trigger: rule.trigger, priority: rule.priority, enabled: rule.enabled, stopProcessing: rule.stopProcessing, params: rule.params, steps: rule.steps, ...patch };
  const parsed = CREATE_RULE.safeParse(merged);
  if (!parsed.success) throw schemaError(parsed.error, "json");
  return replacedRule(rule, parsed.data, now);
}

/** The rule body a built-in template makes from params (400 naming a missing param, 404 an unknown template). */
export function ruleFromTemplate(templateId: string, given: Record<string, unknown>, name: string | undefined, config: Config): CreateRuleInput {
  const template = Object.hasOwn(RULE_TEMPLATES, templateId) ? RULE_TEMPLATES[templateId] : undefined;
  if (!template) throw new AppError("NOT_FOUND", `No rule template "${templateId}"`, { details: { templates: Object.keys(RULE_TEMPLATES) } });
  const resolved = resolveParams(template, given);
  if ("missing" in resolved) {
    const issues = resolved.missing.map((p) => ({ code: "custom" as const, path: ["params", p], message: "required by the template", input: undefined }));
    throw schemaError(new z.ZodError(issues), "json");
  }
  const body = template.build(resolved.params, { githubApiUrl: config.automation.githubApiUrl });
  const parsed = CREATE_RULE.safeParse({ ...body, ...(name ? { name } : {}) });
  if (!parsed.success) throw schemaError(parsed.error, "json");
  return parsed.data;
}

/** A dry run: does the rule's trigger accept the event, and each step rendered against it (nothing is sent). */
export function dryRun(rule: Rule, event: WireEvent) {
  const matched = triggerMatches(rule, event);
  const scope = renderScope(event, rule.params);
  const steps = rule.steps.map((step) => {
    const rendered = renderStep(step, scope) as unknown as Record<string, unknown>;
    return step.kind === "condition" ? { ...rendered, result: conditionHolds(step.if, scope) } : rendered;
  });
  return { matched, steps };
}

/** The wire event a dry run renders against. */
export function testEvent(input: { type: string; data: Record<string, unknown>; metadata?: Record<string, unknown> }, now: number, tenantId: string): WireEvent {
  return { id: "evt-test", type: input.type, timestamp: iso(now), data: input.data, tenantId, ...(input.metadata ? { metadata: input.metadata } : {}) };
}
