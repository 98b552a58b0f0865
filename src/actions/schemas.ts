/** Request and response schemas of the inbound actions, exactly as the wire contract defines them. */
import { z } from "@hono/zod-openapi";
import { DEADLINE_FORMS, normaliseDeadline } from "./deadline";
import { TASK_PRIORITIES, TASK_STATUSES } from "./task-queue";

const TAGS = z.array(z.string().trim().min(1).max(64)).max(32);
const IDEMPOTENCY_KEY = z.string().min(1).max(255);

/** A deadline in any of DEADLINE_FORMS, read as its ISO-8601 UTC value. */
const DEADLINE = z
  .string()
  .max(100)
  .transform((value, ctx) => {
    const iso = normaliseDeadline(value);
    if (iso === null) ctx.addIssue({ code: "custom", message: `deadline must be ${DEADLINE_FORMS}` });
    return iso ?? value;
  })
  .openapi({ description: `Accepted forms: ${DEADLINE_FORMS}. Stored and returned as ISO-8601 UTC.`, example: "2026-12-13T09:30:00Z" });

export const CREATE_TASK = z
  .object({
    action: z.literal("add_task"),
    task: z.string().trim().min(10, "task must be at least 10 characters").max(10_000),
    priority: z.enum(TASK_PRIORITIES).default("medium"),
    deadline: DEADLINE.optional(),
    // Any size the body limit allows: a large value is kept in the payload store (docs/decisions.md).
    expected: z.string().optional(),
    tags: TAGS.optional(),
    idempotencyKey: IDEMPOTENCY_KEY.optional(),
  })
  .openapi("CreateTask", {
    example: { action: "add_task", task: "Prepare the board meeting deck", priority: "high", deadline: "2026-12-13T17:00:00Z", tags: ["board", "q4"] },
  });

export const TASK = z
  .object({
    id: z.string(),
    tenantId: z.string().openapi({ description: "The tenant the task belongs to" }),
    title: z.string(),
    priority: z.enum(TASK_PRIORITIES),
    status: z.enum(TASK_STATUSES),
    position: z.number().int().nullable(),
    deadline: z.string().nullable(),
    expected: z.string().nullable(),
    tags: z.array(z.string()),
    result: z.unknown().nullable(),
    error: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    startedAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    durationMs: z.number().nullable(),
  })
  .openapi("Task");

export const TASK_CREATED = z
  .object({
    id: z.string(),
    status: z.literal("pending"),
    position: z.number().int(),
    estimatedStart: z.string(),
    estimatedCompletion: z.string(),
    deadline: z.string().optional().openapi({ description: "The deadline as understood: ISO-8601 UTC" }),
  })
  .openapi("TaskCreated");

export const UPDATE_TASK = z
  .object({
    status: z.enum(["running", "completed", "failed"]),
    result: z.unknown().optional(),
    error: z.string().max(10_000).optional(),
  })
  .openapi("UpdateTask");

export const NOTIFY_PRIORITIES = ["P0", "P1", "P2", "P3"] as const;
const CHANNEL_NAME = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "channel names use letters, digits, _ . -");

export const SEND_NOTIFICATION = z
  .object({
    action: z.literal("send_notification"),
    priority: z.enum(NOTIFY_PRIORITIES),
    title: z.string().trim().min(1).max(500),
    body: z.string().min(1).max(50_000),
    channels: z.array(CHANNEL_NAME).min(1).max(20).optional(),
    data: z.record(z.string(), z.unknown()).optional(),
    tags: TAGS.optional(),
    idempotencyKey: IDEMPOTENCY_KEY.optional(),
  })
  .openapi("SendNotification", {
    example: { action: "send_notification", priority: "P1", title: "Deploy finished", body: "v2.3 is live", channels: ["ops"], data: { version: "2.3" } },
  });

export const CHANNEL_STATUS = z.object({ status: z.enum(["delivered", "queued", "failed"]), reason: z.string().optional() });

export const NOTIFICATION_SENT = z
  .object({ notificationId: z.string(), channels: z.record(z.string(), CHANNEL_STATUS) })
  .openapi("NotificationSent");

export const RESEARCH_FORMATS = ["markdown", "json", "html"] as const;

export const START_RESEARCH = z
  .object({
    action: z.literal("start_research"),
    topic: z.string().trim().min(3).max(2000),
    depth: z.number().int().min(1).max(5).default(2),
    format: z.enum(RESEARCH_FORMATS).default("markdown"),
    sources: z.array(z.string().min(1).max(2048)).max(50).optional(),
    maxAge: z.number().int().positive().optional(),
    idempotencyKey: IDEMPOTENCY_KEY.optional(),
  })
  .openapi("StartResearch", {
    example: { action: "start_research", topic: "Edge databases in 2026", depth: 3, format: "markdown", sources: ["https://developers.cloudflare.com/d1/"] },
  });

export const RESEARCH_STARTED = z
  .object({ researchId: z.string(), status: z.literal("started"), estimatedCompletion: z.string(), progressUrl: z.string() })
  .openapi("ResearchStarted");

export const RESEARCH = z
  .object({
    id: z.string(),
    tenantId: z.string().openapi({ description: "The tenant the job belongs to" }),
    topic: z.string(),
    depth: z.number(),
    format: z.enum(RESEARCH_FORMATS),
    sources: z.array(z.string()),
    maxAge: z.number().nullable(),
    status: z.enum(["started", "completed"]),
    report: z.unknown().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    estimatedCompletion: z.string(),
    completedAt: z.string().nullable(),
  })
  .openapi("Research");

export const COMPLETE_RESEARCH = z
  .object({ report: z.union([z.string().min(1).max(1_000_000), z.record(z.string(), z.unknown())]) })
  .openapi("CompleteResearch");

/** `:id` path parameter. */
export const ID_PARAM = z.object({ id: z.string().min(1).max(64) });
