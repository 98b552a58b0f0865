/** Rule routes: create, list, read, update, replace, delete, dry-run test, templates. */
import { owningTenant, tenantDb } from "../tenants/context";
import { TenantDb } from "../tenants/tenant-db";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { protect } from "../guard";
import type { AppEnv } from "../http/context";
import { ok } from "../http/envelope";
import { AppError } from "../http/errors";
import { ERROR_RESPONSES, envelopeOf, jsonRequest } from "../http/openapi";
import { audit } from "../ops/audit";
import { fieldMatcher } from "../ops/redact";
import type { Rule } from "./model";
import { deleteRule, fromRuleRow, getRuleRow, hideCredentials, listRules, ruleView, saveRule } from "./rule-store";
import { dryRun, newRule, patchedRule, publishStepRefusal, replacedRule, ruleFromTemplate, testEvent } from "./rule-service";
import { CREATE_RULE, FROM_TEMPLATE, ID_PARAM, LIST_RULES_QUERY, RULE, TEST_RULE, UPDATE_RULE, type CreateRuleInput } from "./schemas";
import { RULE_TEMPLATES } from "./templates";

const guard = protect("rules");
const tags = ["Automation"];
const links = (id: string) => ({ self: `/webhooks/v2/rules/${id}`, runs: `/webhooks/v2/runs?rule=${id}` });
/** The rule as shown to this request (credentials hidden per LOG_REDACT_FIELDS). */
const view = (c: Context<AppEnv>, rule: Rule) => ruleView(rule, fieldMatcher(c.get("config").logs.redactFields));
const CREATED = envelopeOf(RULE.extend({ secret: z.string().openapi({ description: "Signs the rule's http steps; shown only here" }) }), "The rule and its signing secret");

/** Rule routes, mounted under the base path. */
export const ruleRoutes = new OpenAPIHono<AppEnv>();

/** The rule of that id the caller's tenant sees (another tenant's is 404 like an unknown id). */
async function found(c: Context<AppEnv>, id: string): Promise<Rule> {
  const row = await getRuleRow(tenantDb(c), id);
  if (!row) throw new AppError("NOT_FOUND", "Rule not found");
  return fromRuleRow(row);
}

/** Refuses (403) publish steps a non-admin caller may not save (publishStepRefusal). */
function guardSteps(c: Context<AppEnv>, rule: Rule): Rule {
  const refusal = c.get("principal").kind === "admin" ? null : publishStepRefusal(rule.steps);
  if (refusal) throw new AppError("FORBIDDEN", refusal.message, { details: refusal.details });
  return rule;
}

async function create(c: Context<AppEnv>, input: CreateRuleInput, template: string | null) {
  const db = TenantDb.of(c.env.DB, owningTenant(c));
  const { rule, secret, secretEnc } = await newRule(input, c.get("config"), Date.now(), template, db.owner);
  guardSteps(c, rule);
  await saveRule(db, rule, secretEnc);
  audit(c, "rule.create", { type: "rule", id: rule.id }, { name: rule.name, events: rule.trigger.events, template });
  return ok(c, { ...view(c, rule), secret }, 201, links(rule.id));
}

ruleRoutes.openapi(
  createRoute({ method: "post", path: "/rules", tags, summary: "Create a rule", middleware: guard, request: { body: jsonRequest(CREATE_RULE) }, responses: { 201: CREATED, ...ERROR_RESPONSES } }),
  (c) => create(c, c.req.valid("json"), null),
);

ruleRoutes.openapi(
  createRoute({
    method: "post",
    path: "/rules/from-template",
    tags,
    summary: "Create a rule from a built-in template",
    middleware: guard,
    request: { body: jsonRequest(FROM_TEMPLATE) },
    responses: { 201: CREATED, ...ERROR_RESPONSES },
  }),
  (c) => {
    const input = c.req.valid("json");
    return create(c, ruleFromTemplate(input.template, input.params, input.name, c.get("config")), input.template);
  },
);

ruleRoutes.openapi(
  createRoute({
    method: "get",
    path: "/rule-templates",
    tags,
    summary: "The built-in rule templates with their params",
    middleware: guard,
    responses: { 200: envelopeOf(z.object({ items: z.array(z.object({ id: z.string(), description: z.string(), params: z.array(z.record(z.string(), z.unknown())) })) }), "Templates"), ...ERROR_RESPONSES },
  }),
  (c) => ok(c, { items: Object.values(RULE_TEMPLATES).map((t) => ({ id: t.id, description: t.description, params: t.params as unknown as Record<string, unknown>[] })) }),
);

ruleRoutes.openapi(
  createRoute({
    method: "get",
    path: "/rules",
    tags,
    summary: "List rules, oldest first (cursor pagination)",
    middleware: guard,
    request: { query: LIST_RULES_QUERY },
    responses: { 200: envelopeOf(z.object({ items: z.array(RULE), nextCursor: z.string().nullable() }), "A page of rules"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const page = await listRules(tenantDb(c), c.req.valid("query"));
    return ok(c, { items: page.items.map((rule) => view(c, rule)), nextCursor: page.nextCursor });
  },
);

ruleRoutes.openapi(
  createRoute({ method: "get", path: "/rules/{id}", tags, summary: "Read a rule", middleware: guard, request: { params: ID_PARAM }, responses: { 200: envelopeOf(RULE, "The rule"), ...ERROR_RESPONSES } }),
  async (c) => ok(c, view(c, await found(c, c.req.valid("param").id)), 200, links(c.req.valid("param").id)),
);

ruleRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/rules/{id}",
    tags,
    summary: "Update some fields of a rule (runs already started keep their steps)",
    middleware: guard,
    request: { params: ID_PARAM, body: jsonRequest(UPDATE_RULE) },
    responses: { 200: envelopeOf(RULE, "The rule"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const rule = guardSteps(c, patchedRule(await found(c, c.req.valid("param").id), c.req.valid("json"), Date.now()));
    await saveRule(tenantDb(c), rule, null);
    audit(c, "rule.update", { type: "rule", id: rule.id }, { fields: Object.keys(c.req.valid("json")) });
    return ok(c, view(c, rule));
  },
);

ruleRoutes.openapi(
  createRoute({
    method: "put",
    path: "/rules/{id}",
    tags,
    summary: "Replace a rule (omitted fields get defaults)",
    middleware: guard,
    request: { params: ID_PARAM, body: jsonRequest(CREATE_RULE) },
    responses: { 200: envelopeOf(RULE, "The rule"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const rule = guardSteps(c, replacedRule(await found(c, c.req.valid("param").id), c.req.valid("json"), Date.now()));
    await saveRule(tenantDb(c), rule, null);
    audit(c, "rule.replace", { type: "rule", id: rule.id });
    return ok(c, view(c, rule));
  },
);

ruleRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/rules/{id}",
    tags,
    summary: "Delete a rule (its runs are kept)",
    middleware: guard,
    request: { params: ID_PARAM },
    responses: { 200: envelopeOf(z.object({ id: z.string(), deleted: z.literal(true) }), "Deleted"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    if (!(await deleteRule(tenantDb(c), id))) throw new AppError("NOT_FOUND", "Rule not found");
    audit(c, "rule.delete", { type: "rule", id });
    return ok(c, { id, deleted: true as const });
  },
);

ruleRoutes.openapi(
  createRoute({
    method: "post",
    path: "/rules/{id}/test",
    tags,
    summary: "Dry run: does the trigger match the event, and each step rendered against it (nothing is sent)",
    middleware: guard,
    request: { params: ID_PARAM, body: jsonRequest(TEST_RULE) },
    responses: { 200: envelopeOf(z.object({ matched: z.boolean(), steps: z.array(z.record(z.string(), z.unknown())) }), "The dry run"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const rule = await found(c, c.req.valid("param").id);
    const result = dryRun(rule, testEvent(c.req.valid("json").event, Date.now(), rule.tenantId));
    return ok(c, { matched: result.matched, steps: hideCredentials(result.steps, fieldMatcher(c.get("config").logs.redactFields)) as Record<string, unknown>[] });
  },
);
