/** Request and response schemas of the rules and runs API (zod, also the OpenAPI document). */
import { z } from "@hono/zod-openapi";
import { EVENT_PATTERN, EVENT_TYPE } from "../delivery/core/match";
import { AUTH, FILTERS } from "../delivery/schemas";
import { parseDuration } from "./duration";
import { MAX_STEPS, RUN_STATUSES } from "./model";
import { refineTemplates } from "./template-engine";

/** JSON size caps: a rule row stays well under D1's 100 KB statement limit. */
export const MAX_STEPS_BYTES = 65_536;
export const MAX_PARAMS_BYTES = 16_384;
export const MAX_RUN_EVENT_BYTES = 65_536;
const jsonBytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value) ?? "").length;

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
const DURATION = z
  .union([z.number().int().min(0), z.string().min(1).max(50)])
  .refine((d) => parseDuration(d) !== null, { message: 'a duration such as "5s", "10 minutes" or milliseconds (at most a year)' });

const RETRY = z.object({
  limit: z.number().int().min(0).max(10),
  delayMs: z.number().int().min(0).max(3_600_000).default(1000),
  backoff: z.enum(["constant", "linear", "exponential"]).default("exponential"),
});

const BASE = {
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "step ids use letters, digits, _ and - (1-64)"),
  retry: RETRY.optional(),
  timeoutMs: z.number().int().min(100).max(86_400_000).optional(),
};

/** One step of a rule. */
export const STEP = z
  .discriminatedUnion("kind", [
    z.object({ ...BASE, kind: z.literal("delay"), duration: DURATION }),
    z.object({
      ...BASE,
      kind: z.literal("http"),
      url: z.string().min(1).max(2048),
      method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]).optional(),
      headers: z.record(z.string().regex(HEADER_NAME), z.string().max(4000)).optional(),
      body: z.unknown().optional(),
      auth: AUTH.optional(),
      expect: z.array(z.union([z.number().int().min(100).max(599), z.string().regex(/^[1-5]xx$/)])).min(1).max(20).optional(),
    }),
    z.object({ ...BASE, kind: z.literal("publish"), type: z.string().min(1).max(200), data: z.unknown() }),
    z.object({
      ...BASE,
      kind: z.literal("notify"),
      channels: z.array(z.string().min(1).max(64)).min(1).max(20),
      title: z.string().min(1).max(500),
      body: z.string().min(1).max(10_000),
      priority: z.enum(["P0", "P1", "P2", "P3"]).optional(),
    }),
    z.object({ ...BASE, kind: z.literal("condition"), if: FILTERS }),
    z.object({ ...BASE, kind: z.literal("wait_for_event"), event: z.string().regex(EVENT_PATTERN, "use an event type, prefix.* or *"), match: FILTERS.optional(), timeout: DURATION }),
  ])
  .openapi("RuleStep");

const STEPS = z
  .array(STEP)
  .min(1)
  .max(MAX_STEPS)
  .refine((steps) => new Set(steps.map((s) => s.id)).size === steps.length, { message: "step ids must be unique in the rule" })
  .refine((steps) => jsonBytes(steps) <= MAX_STEPS_BYTES, { message: `steps must be at most ${MAX_STEPS_BYTES} bytes of JSON` })
  .superRefine((steps, ctx) => refineTemplates(steps, ctx));
const PARAMS = z.record(z.string(), z.unknown()).refine((p) => jsonBytes(p) <= MAX_PARAMS_BYTES, { message: `params must be at most ${MAX_PARAMS_BYTES} bytes of JSON` });

const TRIGGER = z.object({
  events: z.array(z.string().regex(EVENT_PATTERN, "use an event type, prefix.* or *")).min(1).max(50),
  filter: FILTERS.nullable().optional(),
});

const FIELDS = {
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).nullable().optional(),
  trigger: TRIGGER,
  priority: z.number().int().min(0).max(1000).default(100),
  enabled: z.boolean().default(true),
  stopProcessing: z.boolean().default(false),
  params: PARAMS.default({}),
  steps: STEPS,
};

/** POST /rules and PUT /rules/:id. */
export const CREATE_RULE = z.object(FIELDS).openapi("CreateRule");
/** PATCH /rules/:id. */
export const UPDATE_RULE = z
  .object({ ...FIELDS, priority: z.number().int().min(0).max(1000), enabled: z.boolean(), stopProcessing: z.boolean(), params: PARAMS })
  .partial()
  .openapi("UpdateRule");
export type CreateRuleInput = z.infer<typeof CREATE_RULE>;
export type UpdateRuleInput = z.infer<typeof UPDATE_RULE>;

export const RULE = z
  .object({
    id: z.string(),
    tenantId: z.string().openapi({ description: "The tenant the rule belongs to (it runs only on that tenant's events)" }),
    name: z.string(),
    description: z.string().nullable(),
    trigger: z.object({ events: z.array(z.string()), filter: z.unknown().nullable() }),
    priority: z.number(),
    enabled: z.boolean(),
    stopProcessing: z.boolean(),
    params: z.record(z.string(), z.unknown()),
    steps: z.array(z.record(z.string(), z.unknown())),
    template: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Rule");

/** POST /rules/:id/test. */
export const TEST_RULE = z
  .object({
    event: z.object({
      type: z.string().min(1).max(200).regex(EVENT_TYPE, "event types are dotted names like order.created"),
      data: z.record(z.string(), z.unknown()),
      metadata: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi("TestRule");

/** POST /rules/from-template. */
export const FROM_TEMPLATE = z
  .object({ template: z.string().min(1).max(64), name: z.string().trim().min(1).max(200).optional(), params: PARAMS.default({}) })
  .openapi("RuleFromTemplate");

export const STEP_STATE = z
  .object({
    id: z.string(),
    kind: z.string(),
    status: z.enum(["pending", "running", "completed", "failed", "skipped", "waiting"]),
    startedAt: z.string().optional(),
    endedAt: z.string().optional(),
    attempts: z.number(),
    output: z.unknown().optional(),
    error: z.string().optional(),
  })
  .openapi("RunStep");

export const RUN = z
  .object({
    id: z.string(),
    tenantId: z.string().openapi({ description: "The tenant of the triggering event" }),
    ruleId: z.string(),
    eventId: z.string(),
    status: z.enum(RUN_STATUSES),
    depth: z.number(),
    startedAt: z.string(),
    endedAt: z.string().optional(),
    error: z.string().optional(),
    steps: z.array(STEP_STATE),
  })
  .openapi("Run");

export const LIST_RULES_QUERY = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(128).optional(),
});
export const LIST_RUNS_QUERY = z.object({
  rule: z.string().min(1).max(64).optional(),
  status: z.enum(RUN_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
});
export const RUN_EVENT = z
  .object({
    type: z.string().min(1).max(200).regex(EVENT_TYPE, "event types are dotted names like order.created"),
    payload: z.unknown().default({}).refine((p) => jsonBytes(p) <= MAX_RUN_EVENT_BYTES, { message: `payload must be at most ${MAX_RUN_EVENT_BYTES} bytes of JSON` }),
  })
  .openapi("RunEvent");
export const ID_PARAM = z.object({ id: z.string().min(1).max(200) });
