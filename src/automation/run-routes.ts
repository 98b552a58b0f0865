/** Run routes: list, read, send an event to a waiting step, pause, resume, terminate, restart. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { matchesPattern } from "../delivery/core/match";
import { protect } from "../guard";
import type { AppEnv } from "../http/context";
import { ok } from "../http/envelope";
import { AppError } from "../http/errors";
import { ERROR_RESPONSES, envelopeOf, jsonRequest } from "../http/openapi";
import { audit } from "../ops/audit";
import { tenantDb } from "../tenants/context";
import type { RunStatus } from "./model";
import { deleteWaitsStatement, getRun, listRuns, resetRunStatement, runView, updateRunStatement, waitsOfRun, type RunRow } from "./run-store";
import { ID_PARAM, LIST_RUNS_QUERY, RUN, RUN_EVENT } from "./schemas";
import { resumeWait } from "./waits";

const guard = protect("rules");
const tags = ["Automation"];

/** Run routes, mounted under the base path. */
export const runRoutes = new OpenAPIHono<AppEnv>();

/** Runs a Workflows call for a run; a refusal (instance gone, wrong state) is 422, never a 500. */
async function onInstance<T>(runId: string, action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new AppError("UNPROCESSABLE", `Cannot ${action} run ${runId}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** The run of that id the caller's tenant sees (another tenant's is 404 like an unknown id). */
async function found(c: Context<AppEnv>, id: string): Promise<RunRow> {
  const row = await getRun(tenantDb(c), id);
  if (!row) throw new AppError("NOT_FOUND", "Run not found");
  return row;
}

runRoutes.openapi(
  createRoute({
    method: "get",
    path: "/runs",
    tags,
    summary: "List runs, newest first (?rule=&status=, cursor pagination)",
    middleware: guard,
    request: { query: LIST_RUNS_QUERY },
    responses: { 200: envelopeOf(z.object({ items: z.array(RUN), nextCursor: z.string().nullable() }), "A page of runs"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const page = await listRuns(tenantDb(c), c.req.valid("query"));
    return ok(c, { items: page.items.map(runView), nextCursor: page.nextCursor });
  },
);

runRoutes.openapi(
  createRoute({ method: "get", path: "/runs/{id}", tags, summary: "Read a run with each step's outcome", middleware: guard, request: { params: ID_PARAM }, responses: { 200: envelopeOf(RUN, "The run"), ...ERROR_RESPONSES } }),
  async (c) => ok(c, runView(await found(c, c.req.valid("param").id))),
);

runRoutes.openapi(
  createRoute({
    method: "post",
    path: "/runs/{id}/events",
    tags,
    summary: "Resume a wait_for_event step waiting for this event type",
    middleware: guard,
    request: { params: ID_PARAM, body: jsonRequest(RUN_EVENT) },
    responses: { 202: envelopeOf(z.object({ runId: z.string(), stepId: z.string(), accepted: z.literal(true) }), "Sent to the waiting step"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const run = await found(c, c.req.valid("param").id);
    const input = c.req.valid("json");
    const wait = (await waitsOfRun(tenantDb(c), run.id)).find((w) => matchesPattern(w.event_pattern, input.type));
    if (!wait) throw new AppError("UNPROCESSABLE", `Run ${run.id} has no step waiting for ${input.type}`, { details: { status: run.status } });
    await onInstance(run.id, "send an event to", () => resumeWait(c.env, wait, { type: input.type, payload: input.payload }));
    audit(c, "run.event", { type: "run", id: run.id }, { type: input.type, step: wait.step_id });
    return ok(c, { runId: run.id, stepId: wait.step_id, accepted: true as const }, 202);
  },
);

/** What each control does to the instance and the row; `from` lists the statuses it applies to. */
const CONTROLS = {
  pause: { from: ["queued", "running", "waiting"], to: "paused", act: (i: WorkflowInstance) => i.pause() },
  resume: { from: ["paused"], to: "running", act: (i: WorkflowInstance) => i.resume() },
  terminate: { from: ["queued", "running", "waiting", "paused"], to: "terminated", act: (i: WorkflowInstance) => i.terminate() },
  restart: { from: ["queued", "running", "waiting", "paused", "completed", "failed", "terminated"], to: "queued", act: (i: WorkflowInstance) => i.restart() },
} as const satisfies Record<string, { from: readonly RunStatus[]; to: RunStatus; act: (i: WorkflowInstance) => Promise<void> }>;

for (const [action, control] of Object.entries(CONTROLS)) {
  runRoutes.openapi(
    createRoute({ method: "post", path: `/runs/{id}/${action}`, tags, summary: `${action[0]!.toUpperCase()}${action.slice(1)} a run`, middleware: guard, request: { params: ID_PARAM }, responses: { 200: envelopeOf(RUN, "The run"), ...ERROR_RESPONSES } }),
    async (c) => {
      const run = await found(c, c.req.valid("param").id);
      if (!(control.from as readonly RunStatus[]).includes(run.status)) throw new AppError("UNPROCESSABLE", `Cannot ${action} a ${run.status} run`, { details: { status: run.status, allowed: control.from } });
      await onInstance(run.id, action, async () => control.act(await c.env.RULE_RUNS.get(run.id)));
      const now = Date.now();
      const db = tenantDb(c);
      const final = control.to === "terminated";
      const statements =
        action === "restart"
          ? [resetRunStatement(db, run, now), deleteWaitsStatement(db, run.id)]
          : [updateRunStatement(db, run.id, { status: control.to, now, force: true, ...(final ? { endedAt: now } : {}) }), ...(final ? [deleteWaitsStatement(db, run.id)] : [])];
      await db.batch(statements);
      audit(c, `run.${action}`, { type: "run", id: run.id });
      return ok(c, runView((await getRun(db, run.id))!));
    },
  );
}
