/** Research routes: POST /research, GET /research/:id/status, POST /research/:id/complete. */
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
import { publish, publishAll } from "../publish";
import { platformInputs } from "./platform-inputs";
import { completeResearchStatement, estimateResearchCompletion, getResearch, insertResearchStatement } from "./research-repository";
import { COMPLETE_RESEARCH, ID_PARAM, RESEARCH, RESEARCH_STARTED, START_RESEARCH } from "./schemas";

const tags = ["Research"];
const BASE = "/webhooks/v2/research";

/** Research routes. */
export const researchRoutes = new OpenAPIHono<AppEnv>();

researchRoutes.openapi(
  createRoute({
    method: "post",
    path: "/research",
    tags,
    summary: "Start a research job; emits research.started",
    middleware: [...protect("research", { form: true }), platformInputs(START_RESEARCH), strictFields(START_RESEARCH)],
    request: { body: jsonRequest(START_RESEARCH) },
    responses: { 201: envelopeOf(RESEARCH_STARTED, "The started job"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const now = Date.now();
    const id = newId("res");
    const estimatedCompletionAt = estimateResearchCompletion(input.depth, now);
    const tokenId = c.get("principal").tokenId;
    const db = TenantDb.of(c.env.DB, owningTenant(c));
    await publish(
      c.env,
      c.executionCtx,
      { tenantId: db.owner, type: "research.started", data: { researchId: id, topic: input.topic, depth: input.depth, format: input.format }, metadata: { requestId: c.get("requestId"), tokenId } },
      { statements: [insertResearchStatement(db, { ...input, id, tokenId, now, estimatedCompletionAt })], now },
    );
    const progressUrl = `${BASE}/${id}/status`;
    return ok(c, { researchId: id, status: "started" as const, estimatedCompletion: iso(estimatedCompletionAt), progressUrl }, 201, {
      self: progressUrl,
      status: progressUrl,
      complete: `${BASE}/${id}/complete`,
    });
  },
);

researchRoutes.openapi(
  createRoute({
    method: "get",
    path: "/research/{id}/status",
    tags,
    summary: "A research job with its status and report",
    middleware: protect("research"),
    request: { params: ID_PARAM },
    responses: { 200: envelopeOf(RESEARCH, "The job"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const job = await getResearch(tenantDb(c), id);
    if (!job) throw new AppError("NOT_FOUND", `Research ${id} not found`);
    return ok(c, job);
  },
);

researchRoutes.openapi(
  createRoute({
    method: "post",
    path: "/research/{id}/complete",
    tags,
    summary: "A worker delivers the report; emits research.completed",
    middleware: [...protect("research"), strictFields(COMPLETE_RESEARCH)],
    request: { params: ID_PARAM, body: jsonRequest(COMPLETE_RESEARCH) },
    responses: { 200: envelopeOf(RESEARCH, "The completed job"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { report } = c.req.valid("json");
    const now = Date.now();
    const db = tenantDb(c);
    // research.completed belongs to the job's tenant: known from the handle, or read when it spans every tenant.
    const tenantId = db.tenantId ?? (await getResearch(db, id))?.tenantId;
    if (!tenantId) throw new AppError("NOT_FOUND", `Research ${id} not found`);
    const published = await publishAll(
      c.env,
      c.executionCtx,
      [{ tenantId, type: "research.completed", data: { researchId: id, report }, metadata: { requestId: c.get("requestId"), tokenId: c.get("principal").tokenId } }],
      { statements: [completeResearchStatement(db, id, report, now)], requireChange: true, now },
    );
    const job = await getResearch(db, id);
    if (!job) throw new AppError("NOT_FOUND", `Research ${id} not found`);
    if (published.length === 0) throw new AppError("UNPROCESSABLE", `Research ${id} is already completed`, { details: { field: "status", currentStatus: job.status } });
    return ok(c, job);
  },
);
