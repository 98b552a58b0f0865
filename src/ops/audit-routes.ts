/** GET /audit (scope admin): the audit trail, newest first, with filters and cursor pagination. */
import { tenantDb } from "../tenants/context";
import { linkTo } from "../http/links";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { protect } from "../guard";
import type { AppEnv } from "../http/context";
import { ok } from "../http/envelope";
import { ERROR_RESPONSES, envelopeOf } from "../http/openapi";
import { AUDIT_CURSOR, listAudit } from "./audit";

const AUDIT_RECORD = z
  .object({
    id: z.string(),
    action: z.string(),
    actorTokenId: z.string(),
    target: z.object({ type: z.string(), id: z.string().nullable() }),
    requestId: z.string(),
    details: z.record(z.string(), z.unknown()).nullable(),
    createdAt: z.string(),
    tenantId: z.string(),
  })
  .openapi("AuditRecord");

const instant = z.iso.datetime({ offset: true }).transform((v) => Date.parse(v));
const QUERY = z.object({
  action: z
    .string()
    .regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?$/, "an action like token.create, or a family like token.*")
    .optional()
    .openapi({ description: "Exact action (`token.update`) or a family (`token.*`)" }),
  actor: z.string().min(1).max(128).optional().openapi({ description: "Actor token id (`admin` for ADMIN_TOKEN)" }),
  targetType: z.string().min(1).max(64).optional(),
  target: z.string().min(1).max(128).optional().openapi({ description: "Target resource id" }),
  since: instant.optional().openapi({ description: "ISO-8601; rows at or after" }),
  until: instant.optional().openapi({ description: "ISO-8601; rows before" }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().regex(AUDIT_CURSOR, "a nextCursor from a previous page").optional(),
});

/** The audit route. */
export const auditRoutes = new OpenAPIHono<AppEnv>();

auditRoutes.openapi(
  createRoute({
    method: "get",
    path: "/audit",
    tags: ["Operations"],
    summary: "Audit trail of admin actions (newest first; filters action, actor, targetType, target, since, until)",
    middleware: protect("admin"),
    request: { query: QUERY },
    responses: {
      200: envelopeOf(z.object({ items: z.array(AUDIT_RECORD), nextCursor: z.string().nullable() }), "A page of audit rows"),
      ...ERROR_RESPONSES,
    },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const page = await listAudit(tenantDb(c), { action: q.action, actor: q.actor, targetType: q.targetType, targetId: q.target, sinceMs: q.since, untilMs: q.until }, q.limit, q.cursor);
    const links: Record<string, string> = {};
    if (page.nextCursor) {
      links.next = linkTo(c.req.url, { cursor: page.nextCursor });
    }
    return ok(c, page, 200, Object.keys(links).length ? links : undefined);
  },
);
