/** Endpoint routes of a subscription: verify, health probe, Ed25519 public key. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { protect } from "../../guard";
import type { AppEnv } from "../../http/context";
import { ok } from "../../http/envelope";
import { AppError } from "../../http/errors";
import { ERROR_RESPONSES, envelopeOf } from "../../http/openapi";
import { audit } from "../../ops/audit";
import { probeEndpoint, verifyEndpoint } from "../endpoint-checks";
import { HEALTH_CHECK, ID_PARAM } from "../schemas";
import { found } from "./subscriptions";

const guard = protect("subscriptions");
const tags = ["Subscriptions"];

const VERIFICATION = z
  .object({
    verified: z.boolean().openapi({ description: "This request's answer carried the challenge (a failed request leaves an earlier verification standing)" }),
    verifiedAt: z.string().nullable(),
    statusCode: z.number().nullable(),
    responseTimeMs: z.number(),
    error: z.string().nullable(),
    released: z.number().openapi({ description: "Held deliveries re-enqueued because the subscription may deliver now" }),
  })
  .openapi("Verification");

/** Verify, health and public-key routes, mounted under the base path. */
export const endpointRoutes = new OpenAPIHono<AppEnv>();

endpointRoutes.openapi(
  createRoute({
    method: "post",
    path: "/subscriptions/{id}/verify",
    tags,
    summary: "Send webhook.verification {challenge}; a 2xx answer carrying the challenge verifies the subscription",
    middleware: guard,
    request: { params: ID_PARAM },
    responses: { 200: envelopeOf(VERIFICATION, "The verification's outcome"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const row = await found(c, c.req.valid("param").id);
    const result = await verifyEndpoint(c.env, c.get("config"), row, Date.now());
    audit(c, "subscription.verify", { type: "subscription", id: row.id }, { verified: result.verified, statusCode: result.statusCode });
    return ok(c, result);
  },
);

endpointRoutes.openapi(
  createRoute({
    method: "get",
    path: "/subscriptions/{id}/health",
    tags,
    summary: "Probe the endpoint now (HEAD, 5 s, GET when HEAD is 405); the result is kept on the subscription",
    middleware: guard,
    request: { params: ID_PARAM },
    responses: { 200: envelopeOf(HEALTH_CHECK, "The probe's result"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const row = await found(c, c.req.valid("param").id);
    return ok(c, await probeEndpoint(c.env, c.get("config"), row, Date.now()));
  },
);

endpointRoutes.openapi(
  createRoute({
    method: "get",
    path: "/subscriptions/{id}/public-key",
    tags,
    summary: "The Ed25519 public key (whpk_…) that verifies this subscription's v1a signatures",
    middleware: guard,
    request: { params: ID_PARAM },
    responses: { 200: envelopeOf(z.object({ publicKey: z.string() }), "The public key"), ...ERROR_RESPONSES },
  }),
  async (c) => {
    const row = await found(c, c.req.valid("param").id);
    if (!row.signing_public_key) throw new AppError("NOT_FOUND", 'This subscription has no Ed25519 key: set signing {"scheme": "ed25519"}');
    return ok(c, { publicKey: row.signing_public_key });
  },
);
