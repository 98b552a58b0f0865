/** Task routes: POST /task, GET /task/:id/status, PATCH /task/:id. */
import { owningTenant, tenantDb } from "../tenants/context";
import { TenantDb } from "../tenants/tenant-db";
import { iso } from "../lib/time";
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { protect } from "../guard";
import type { AppEnv } from "../http/context";
import { ok } from "../http/envelope";
import { AppError } from "../http/errors";
import { ERROR_RESPONSES, envelopeOf, jsonRequest, strictFields } from "../http/openapi";
import { newId } from "../lib/ids";
import { payloadStore } from "../events/payload-store";
import { publishAll, publishBatch } from "../publish";
import { CREATE_TASK, ID_PARAM, TASK, TASK_CREATED, UPDATE_TASK } from "./schemas";
import { platformInputs } from "./platform-inputs";
import { estimateSchedule, priorityRank } from "./task-queue";
import { getTask, insertTaskStatements, queueSnapshotStatement, toQueueSnapshot, transitionStatement } from "./task-repository";

const tags = ["Tasks"];
const BASE = "/webhooks/v2/task";

/** Task routes. */
export const taskRoutes = new OpenAPIHono<AppEnv>();

taskRoutes.openapi(
  createRoute({
    method: "post",
    path: "/task",
    tags,
    summary: "Queue a task; emits task.created",
    middleware: [...protect("task", { form: true }), platformInputs(CREATE_TASK), strictFields(CREATE_TASK)],
    request: { body: jsonRequest(CREATE_TASK) },
    responses: { 201: envelopeOf(TASK_CREATED, "The queued task with its position and estimates"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const now = Date.now();
    const rank = priorityRank(input.priority);
    const id = newId("task");
    // Bound to the tenant the task goes to: its queue position and estimates count only that queue.
    const db = TenantDb.of(c.env.DB, owningTenant(c));
    const task = { id, tokenId: c.get("principal").tokenId, title: input.task, priority: input.priority, rank, deadline: input.deadline, expected: input.expected, tags: input.tags, now };
    const { reads } = await publishBatch(
      c.env,
      c.executionCtx,
      [{
        tenantId: db.owner,
        type: "task.created",
        data: {
          taskId: id,
          title: input.task,
          priority: input.priority,
          ...(input.deadline ? { deadline: input.deadline } : {}),
          ...(input.tags ? { tags: input.tags } : {}),
          ...(input.expected !== undefined ? { expected: input.expected } : {}),
        },
        metadata: { requestId: c.get("requestId"), tokenId: task.tokenId },
      }],
      { reads: [queueSnapshotStatement(db, rank)], statements: await insertTaskStatements(db, payloadStore(c.env), task), now },
    );
    const snapshot = toQueueSnapshot(reads[0]);
    const schedule = estimateSchedule({ ...snapshot, defaultDurationMs: c.get("config").taskDefaultDurationMs, now });
    return ok(
      c,
      {
        id,
        status: "pending" as const,
        position: snapshot.ahead,
        estimatedStart: iso(schedule.estimatedStart),
        estimatedCompletion: iso(schedule.estimatedCompletion),
        ...(input.deadline ? { deadline: input.deadline } : {}),
      },
      201,
      { self: `${BASE}/${id}`, status: `${BASE}/${id}/status` },
    );
  },
);

taskRoutes.openapi(
  createRoute({
    method: "get",
    path: "/task/{id}/status",
    tags,
    summary: "A task with its status and queue position",
    middleware: protect("task"),
    request: { params: ID_PARAM },
    responses: { 200: envelopeOf(TASK, "The task"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const task = await getTask(tenantDb(c), payloadStore(c.env), id);
    if (!task) throw new AppError("NOT_FOUND", `Task ${id} not found`);
    return ok(c, task, 200, { self: `${BASE}/${id}`, status: `${BASE}/${id}/status` });
  },
);

taskRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/task/{id}",
    tags,
    summary: "A worker reports progress: running, completed (emits task.completed) or failed (emits task.failed)",
    middleware: [...protect("task"), strictFields(UPDATE_TASK)],
    request: { params: ID_PARAM, body: jsonRequest(UPDATE_TASK) },
    responses: { 200: envelopeOf(TASK, "The updated task"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const change = { ...c.req.valid("json"), now: Date.now() };
    const db = tenantDb(c);
    const before = await getTask(db, payloadStore(c.env), id);
    if (!before) throw new AppError("NOT_FOUND", `Task ${id} not found`);
    const startedOrCreated = Date.parse(before.startedAt ?? before.createdAt);
    const event =
      change.status === "running"
        ? { type: "task.started" as const, data: { taskId: id } }
        : change.status === "completed"
          ? { type: "task.completed" as const, data: { taskId: id, result: change.result ?? null, duration: change.now - startedOrCreated } }
          : { type: "task.failed" as const, data: { taskId: id, error: change.error ?? "unspecified", timestamp: iso(change.now) } };
    const published = await publishAll(c.env, c.executionCtx, [{ ...event, tenantId: before.tenantId, metadata: { requestId: c.get("requestId"), tokenId: c.get("principal").tokenId } }], {
      statements: [transitionStatement(db, id, change)],
      requireChange: true,
      now: change.now,
    });
    const after = await getTask(db, payloadStore(c.env), id);
    if (published.length === 0) {
      throw new AppError("UNPROCESSABLE", `Task ${id} is ${after?.status ?? before.status}; it cannot become ${change.status}`, {
        details: { field: "status", currentStatus: after?.status ?? before.status },
      });
    }
    return ok(c, after!, 200, { self: `${BASE}/${id}`, status: `${BASE}/${id}/status` });
  },
);
